"""The service's start-up guard refuses any database not at head, in one line naming the fix."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from failures import write_revision
from made_revisions import blank_revisions
from project import Project
from servers import ServerDatabase, only_on

START_SERVICE = "import app; app.start_service(); print('started')"


def start_service(
    project: Project, url: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess:
    return project.run("python", "-c", START_SERVICE, cwd=cwd, env={"DATABASE_URL": url, **env})


def refusal(completed: subprocess.CompletedProcess) -> str:
    """The guard's one-line message from a failed start."""
    assert completed.returncode == 1 and "started" not in completed.stdout
    last = completed.stderr.strip().splitlines()[-1]
    assert last.startswith("alembic_steward.DatabaseNotUpToDate: ")
    return last.partition(": ")[2]


def test_a_database_at_head_lets_the_service_start(
    project: Project, database: ServerDatabase
) -> None:
    one, _ = blank_revisions()
    one.copy_to(project)
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    completed = start_service(project, database.url)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "started\n"


def test_a_database_at_head_is_checked_without_importing_alembic(
    project: Project, database: ServerDatabase
) -> None:
    # Importing Alembic is most of what the check would cost a service's start-up (0.1 s).
    one, two = blank_revisions()
    one.copy_to(project)
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    probe = (
        "import sys, app.migrations; app.migrations.ensure_up_to_date();"
        " print('alembic' in sys.modules)"
    )
    # A plain process: a command forked from the tests' zygote has Alembic imported already.
    at_head = subprocess.run(
        [project.executable("python"), "-c", probe],
        cwd=project.path,
        env=project.environment(DATABASE_URL=database.url),
        capture_output=True,
        text=True,
    )
    assert at_head.stdout == "False\n", at_head.stderr
    # Behind head, the error it raises is Alembic's CommandError, the one services catch.
    two.copy_to(project)
    needed_by_the_code(project, two.name)
    catching = (
        "import app.migrations; from alembic.util import CommandError\n"
        "try:\n    app.migrations.ensure_up_to_date()\n"
        "except app.migrations.DatabaseNotUpToDate as error:\n"
        "    print(isinstance(error, CommandError), type(error).__module__)"
    )
    behind = project.run("python", "-c", catching, env={"DATABASE_URL": database.url})
    assert behind.stdout == "True alembic_steward\n", behind.stderr


@only_on(
    "sqlite",
    "mysql",
    why="the wording is the same on every database; the read at head is tested on each",
)
def test_a_database_behind_head_names_the_upgrade_command(
    project: Project, database: ServerDatabase
) -> None:
    one, two = blank_revisions()
    first = one.copy_to(project)
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    second = two.copy_to(project)
    needed_by_the_code(project, two.name)
    message = refusal(start_service(project, database.url))
    assert (
        f"the database is at {first}, behind this code's head {second} (1 migration(s) pending)"
        in message
    )
    assert "run `inv db.upgrade` before starting the service" in message


def test_an_empty_database_names_the_upgrade_command(project: Project, tmp_path: Path) -> None:
    one, _ = blank_revisions()
    one.copy_to(project)
    message = refusal(start_service(project, f"sqlite:///{tmp_path}/empty.db"))
    assert (
        "the database has no migration applied, behind" in message and "`inv db.upgrade`" in message
    )


def test_a_database_a_newer_deploy_migrated_is_reported_as_ahead(
    project: Project, tmp_path: Path
) -> None:
    one, two = blank_revisions()
    url = f"sqlite:///{tmp_path}/ahead.db"
    first = one.copy_to(project)
    newer = two.copy_to(project)
    project.inv("db.upgrade", env={"DATABASE_URL": url})
    (project.versions / two.name).unlink()  # this code is the older deploy
    # The blank revision counts as contract, as every unlabelled one does.
    message = refusal(start_service(project, url))
    assert f"ahead of this code by contract revision(s) {newer}," in message
    # A database that recorded no phase for it (migrated before phases were recorded).
    sqlite3.connect(url.removeprefix("sqlite:///")).execute("DROP TABLE alembic_revision_phases")
    message = refusal(start_service(project, url))
    assert f"at revision {newer}, which this code's migrations do not contain" in message
    assert "ahead of this code (a newer deploy migrated it)" in message
    assert f"`inv db.downgrade -r {first}` from that code" in message


def test_a_history_with_several_heads_names_the_merge_command(
    project: Project, tmp_path: Path
) -> None:
    one, _ = blank_revisions()
    url = f"sqlite:///{tmp_path}/branches.db"
    one.copy_to(project)
    project.inv("db.upgrade", env={"DATABASE_URL": url})
    branch = project.run("alembic", "revision", "-m", "Branch", "--head", "base", "--splice")
    assert branch.returncode == 0, branch.stderr
    message = refusal(start_service(project, url))
    assert "history has 2 heads" in message and '`inv db.merge -m "Merge heads"`' in message


def test_a_revision_file_the_text_scan_cannot_read_still_gets_an_exact_answer(
    project: Project, tmp_path: Path
) -> None:
    one, two = blank_revisions()
    url = f"sqlite:///{tmp_path}/computed.db"
    one.copy_to(project)
    project.inv("db.upgrade", env={"DATABASE_URL": url})
    two.copy_to(project)
    needed_by_the_code(project, two.name)
    file = project.versions / two.name
    source = file.read_text()
    # A computed id: the scan gives up and Alembic reads the history itself.
    file.write_text(source.replace('revision: str = "', 'revision: str = "" + "', 1))
    message = refusal(start_service(project, url))
    assert "1 migration(s) pending" in message


def test_an_installed_service_names_the_module_command(project: Project, tmp_path: Path) -> None:
    one, _ = blank_revisions()
    one.copy_to(project)
    # What a wheel installs: app/ alone, without the checkout's pyproject.toml beside it.
    installed = tmp_path / "site"
    shutil.copytree(project.path / "app", installed / "app")
    url = f"sqlite:///{tmp_path}/installed.db"
    # Run outside the checkout, whose own app/ would otherwise be imported first.
    elsewhere = {"cwd": tmp_path, "PYTHONPATH": str(installed)}
    message = refusal(start_service(project, url, **elsewhere))
    assert "run `python -m app.migrations upgrade` before starting the service" in message
    migrated = project.run(
        "python",
        "-m",
        "app.migrations",
        "upgrade",
        cwd=tmp_path,
        env={"DATABASE_URL": url, "PYTHONPATH": str(installed)},
    )
    assert migrated.returncode == 0, migrated.stderr
    assert start_service(project, url, **elsewhere).returncode == 0


def needed_by_the_code(project: Project, name: str) -> None:
    """Label a pending revision expand: the code may need what it adds, so a database without
    it is refused (one behind by contract revisions only starts, test_phase_guard.py)."""
    file = project.versions / name
    file.write_text(file.read_text().replace('phase: str = "contract"', 'phase: str = "expand"'))


def test_a_history_without_phase_lines_hears_of_revisions_not_of_contract_ones(
    project: Project, tmp_path: Path
) -> None:
    # Its team never labels a phase; the line named the newer deploy's revision a contract one.
    write_revision(project, "first", None, "    pass")
    write_revision(project, "second", "first", "    pass")
    url = f"sqlite:///{tmp_path}/ahead.db"
    project.inv("db.upgrade", env={"DATABASE_URL": url})
    (second,) = project.versions.glob("*second*.py")
    second.unlink()  # this code is the older deploy
    message = refusal(start_service(project, url))
    assert "the database is ahead of this code by revision(s) second," in message, message
    assert "contract" not in message and "phase" not in message, message
