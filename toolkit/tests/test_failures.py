"""Every mistake a user can make ends in one true line and an exit code (docs/failures.md).

Each test drives the baked project's real `inv` (and raw `alembic` or `make` where they apply)
into one kind of failure and checks the line it prints, the exit code and the state left behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest
from baked_project import BakedProject
from safety_revisions import SLEEPING, start, write_revision

SECRET = "Sup3r-Secret"
FAILING = """\
    op.create_table("made", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT * FROM no_such_table")"""


def error_lines(completed: subprocess.CompletedProcess[str], code: int = 1) -> list[str]:
    """The `error:` lines of a run that must exit with ``code`` and print no traceback."""
    output = completed.stdout + completed.stderr
    assert completed.returncode == code, output
    assert "Traceback" not in output, output
    return [line for line in completed.stderr.splitlines() if line.startswith("error: ")]


def one_error_line(project: BakedProject, *command: str, **env: str) -> str:
    completed = project.run(*command, env=env)
    (line,) = error_lines(completed)
    assert SECRET not in completed.stdout + completed.stderr
    return line


def current_revision(project: BakedProject) -> str:
    completed = project.run("inv", "db.current")
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


# 1. The error handler never fails.


def test_postgres_scheme_is_read_as_postgresql(project: BakedProject) -> None:
    url = f"postgres://app:{SECRET}@127.0.0.1:1/app"
    python = "from app.settings import get_settings; print(get_settings().database_url)"
    completed = project.run("python", "-c", python, env={"DATABASE_URL": url})
    assert completed.stdout.startswith("postgresql+psycopg://app:"), completed.stderr
    # The default bake has no PostgreSQL driver: the line names the package that installs it.
    line = one_error_line(project, "inv", "db.current", DATABASE_URL=url)
    assert "'psycopg'" in line and "pip install psycopg[binary]" in line


def test_unknown_scheme_is_named_with_the_supported_ones(project: BakedProject) -> None:
    line = one_error_line(
        project, "inv", "db.upgrade", DATABASE_URL=f"mongodb://app:{SECRET}@db/app"
    )
    assert "'mongodb'" in line and "postgresql://" in line and "sqlite://" in line


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite://", "in-memory SQLite"),
        ("sqlite:///:memory:", "in-memory SQLite"),
        ("sqlite:///file:x?mode=memory&uri=true", "in-memory SQLite"),
        (f"postgresql://app:{SECRET}@127.0.0.1:1/", "names no database"),
        (f"mysql://app:{SECRET}@127.0.0.1:1", "names no database"),
    ],
    ids=[
        "sqlite-empty",
        "sqlite-memory",
        "sqlite-memory-uri",
        "postgresql-no-name",
        "mysql-no-name",
    ],
)
@pytest.mark.parametrize(
    "command", [("inv", "db.upgrade"), ("inv", "db.status"), ("alembic", "current")]
)
def test_a_url_whose_migrations_would_be_lost_or_misplaced_is_refused(
    project: BakedProject, url: str, expected: str, command: tuple[str, ...]
) -> None:
    # In-memory SQLite vanishes with the task; no database name reaches the server's default one.
    completed = project.run(*command, env={"DATABASE_URL": url})
    assert completed.returncode != 0, completed.stdout
    assert expected in completed.stderr and "Traceback" not in completed.stderr
    assert SECRET not in completed.stdout + completed.stderr


@pytest.mark.parametrize(
    ("driver", "package"),
    [("mysql+mysqldb", "mysqlclient"), ("postgresql+psycopg2", "psycopg2-binary")],
)
def test_missing_driver_is_named_by_the_package_that_installs_it(
    project: BakedProject, driver: str, package: str
) -> None:
    line = one_error_line(
        project, "inv", "db.current", DATABASE_URL=f"{driver}://app:{SECRET}@127.0.0.1:1/app"
    )
    assert f"pip install {package}`" in line


def test_inv_outside_the_project_virtualenv_says_to_activate_it(
    project: BakedProject, tmp_path: Path
) -> None:
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=True).create(bare)
    pip = [bare / "bin" / "python", "-m", "pip", "install", "--quiet", "invoke"]
    subprocess.run(pip, check=True, capture_output=True)
    completed = subprocess.run(
        [bare / "bin" / "inv", "db.current"], cwd=project.path, capture_output=True, text=True
    )
    (line,) = error_lines(completed)
    assert "source .venv/bin/activate" in line and ".venv/bin/inv" in line


# 2. A failed migration reports itself.


def test_failed_migration_names_revision_file_line_and_state(project: BakedProject) -> None:
    write_revision(
        project, "first", None, '    op.create_table("one", sa.Column("id", sa.Integer))'
    )
    path = write_revision(project, "second", "first", FAILING)
    completed = project.run("inv", "db.upgrade")
    what, state = error_lines(completed)
    assert what.startswith("error: migration second (Safety test revision second.) failed")
    assert f"{path.relative_to(project.path)}:" in what and "no such table" in what
    assert state == "error: rolled back; the database is still at first"
    assert current_revision(project).startswith("first")


def test_traceback_variable_shows_the_full_traceback(project: BakedProject) -> None:
    write_revision(project, "first", None, FAILING)
    completed = project.run("inv", "db.upgrade", env={"INV_TRACEBACK": "1"})
    assert completed.returncode == 1 and "Traceback" in completed.stderr


@pytest.mark.parametrize(
    ("broken", "reason"),
    [("def broken(:\n", "SyntaxError"), ("import no_such_module\n", "ModuleNotFoundError")],
)
def test_revision_file_that_cannot_load_is_named_with_its_line(
    project: BakedProject, broken: str, reason: str
) -> None:
    path = write_revision(project, "first", None, "    pass")
    path.write_text(path.read_text() + broken)
    completed = project.run("inv", "db.upgrade")
    what, state = error_lines(completed)
    assert f"revision file {path.relative_to(project.path)}:" in what and reason in what
    assert state == "error: the database was not changed; fix the file"


def test_revision_missing_from_the_middle_of_the_chain_is_explained(
    project: BakedProject,
) -> None:
    write_revision(project, "first", None, "    pass")
    middle = write_revision(project, "middle", "first", "    pass")
    last = write_revision(project, "last", "middle", "    pass")
    middle.unlink()
    for task in ("db.upgrade", "db.history"):
        line = one_error_line(project, "inv", task)
        assert "revision middle is missing" in line
        assert str(last.relative_to(project.path)) in line


# 3. Interrupted runs say so.


@pytest.mark.parametrize(("signal_number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_migration_says_it_rolled_back_and_exits_by_signal(
    project: BakedProject, signal_number: int, code: int
) -> None:
    write_revision(project, "first", None, "    pass")
    write_revision(project, "slow", "first", SLEEPING)
    running = start(project, "inv", "db.upgrade")
    assert running.stdout is not None
    assert running.stdout.readline().strip() == "started"
    started = time.monotonic()
    running.send_signal(signal_number)
    _, stderr = running.communicate(timeout=30)
    assert time.monotonic() - started < 10
    assert running.returncode == code, stderr
    assert "Traceback" not in stderr
    name = signal.Signals(signal_number).name
    assert f"error: {name} stopped migration slow; rolled back; the database is still at first" in (
        stderr.splitlines()
    )
    assert current_revision(project).startswith("first")


# 4. No part of a password is ever shown.


def test_unencoded_at_sign_in_the_password_is_explained(project: BakedProject) -> None:
    url = "postgresql://app:Sup3r@Secret@127.0.0.1/app"
    for task in ("db.url", "db.upgrade"):
        completed = project.run("inv", task, env={"DATABASE_URL": url})
        (line,) = error_lines(completed)
        assert "write @ as %40" in line
        assert "Sup3r" not in completed.stdout + completed.stderr
        assert "Secret@127" not in completed.stdout + completed.stderr


def test_percent_that_is_not_an_escape_says_how_to_write_it(project: BakedProject) -> None:
    line = one_error_line(
        project, "inv", "db.current", DATABASE_URL=f"postgresql://app:{SECRET}%zz@db/app"
    )
    assert "%25" in line


# 5. Arguments.


@pytest.mark.parametrize("message", [None, "", "  "])
def test_revision_without_a_message_writes_nothing(
    project: BakedProject, message: str | None
) -> None:
    arguments = [] if message is None else ["-m", message]
    line = one_error_line(project, "inv", "db.revision", *arguments)
    assert 'inv db.revision -m "Add users table"' in line
    assert not list((project.path / "app/migrations/versions").glob("*.py"))


def test_revision_without_ruff_is_written_unformatted_with_a_note(project: BakedProject) -> None:
    (ruff,) = project.venv.glob("lib/python*/site-packages/ruff")
    hidden = ruff.with_name("ruff-hidden")
    ruff.rename(hidden)  # as in a project installed without its dev extra
    try:
        completed = project.inv("db.revision", "-m", "Add users table", "--empty")
    finally:
        hidden.rename(ruff)
    assert "note: ruff is not installed" in completed.stdout
    (written,) = (project.path / "app/migrations/versions").glob("*.py")
    assert f"Created revision {written.name.split('_')[2]}" in completed.stdout


def test_help_after_any_task_name_shows_its_help(project: BakedProject) -> None:
    listing = project.inv("--list").stdout.split()
    tasks = [word for word in listing if word.startswith("db.") or word in ("test", "lint")]
    assert "db.stamp" in tasks
    for task in tasks:
        completed = project.inv(task, "--help")
        assert completed.stdout.startswith(f"Usage: inv[oke] [--core-opts] {task}"), task
    assert not (project.path / f"{project.path.name}.db").exists()


def test_stamp_without_a_revision_says_how_to_name_one(project: BakedProject) -> None:
    line = one_error_line(project, "inv", "db.stamp")
    assert "inv db.stamp -r head" in line


def test_downgrade_at_base_has_nothing_to_revert(project: BakedProject) -> None:
    assert "Nothing to revert" in project.inv("db.downgrade").stdout


def test_mistyped_revision_suggests_the_history(project: BakedProject) -> None:
    line = one_error_line(project, "inv", "db.upgrade", "-r", "deadbeef")
    assert "inv db.history" in line


def test_arguments_after_a_double_dash_reach_pytest(project: BakedProject) -> None:
    completed = project.inv("test", "--", "--collect-only", "-q", "tests/test_database.py")
    # `inv test` passes -q too: pytest lists each collected file with its count.
    collected = [line for line in completed.stdout.splitlines() if ".py" in line]
    assert collected and all(line.startswith("tests/test_database.py: ") for line in collected)


# 7. Protected environments (raw alembic and make included).


def test_protected_environment_names_compare_case_insensitively(project: BakedProject) -> None:
    line = one_error_line(project, "inv", "db.reset", APP_ENV="Production")
    assert "refusing to reset a Production database" in line


@pytest.mark.parametrize("setting", ["", " , "])
def test_empty_protected_list_is_refused(project: BakedProject, setting: str) -> None:
    line = one_error_line(project, "inv", "db.downgrade", INVOKE_DB_PROTECTED_ENVIRONMENTS=setting)
    assert "protected environment list is empty" in line


def test_protected_list_from_the_environment_overrides_a_yaml_list(project: BakedProject) -> None:
    (project.path / "invoke.yaml").write_text(
        "db:\n  protected_environments: [production, staging]\n"
    )
    staging_only = {"INVOKE_DB_PROTECTED_ENVIRONMENTS": "qa,staging"}
    completed = project.inv("db.downgrade", env={**staging_only, "APP_ENV": "production"})
    assert "Nothing to revert" in completed.stdout
    line = one_error_line(project, "inv", "db.downgrade", **staging_only, APP_ENV="Staging")
    assert "refusing to downgrade a Staging database" in line
    line = one_error_line(project, "inv", "db.downgrade", INVOKE_DB_PROTECTED_ENVIRONMENTS="")
    assert "protected environment list is empty" in line


def test_environment_variable_invoke_cannot_convert_is_named_in_one_line(
    project: BakedProject,
) -> None:
    (project.path / "invoke.yaml").write_text("db:\n  migration_lock_timeout: 30\n")
    line = one_error_line(project, "inv", "db.current", INVOKE_DB_MIGRATION_LOCK_TIMEOUT="abc")
    assert "environment variable INVOKE_DB_MIGRATION_LOCK_TIMEOUT" in line
    assert "db.migration_lock_timeout" in line


def test_raw_alembic_downgrade_and_stamp_need_confirmation_on_a_protected_database(
    project: BakedProject,
) -> None:
    write_revision(project, "first", None, "    pass")
    production = {"APP_ENV": "production"}
    project.inv("db.upgrade", env=production)  # records production in the database
    for command in (["downgrade", "-1"], ["stamp", "base"]):
        refused = project.run("alembic", *command)
        assert refused.returncode == 255, refused.stderr
        assert "alembic -x confirm=production" in refused.stdout
        assert current_revision(project).startswith("first")
    confirmed = project.run("alembic", "-x", "confirm=production", "downgrade", "-1")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "no migration applied" in current_revision(project)


def test_make_downgrade_passes_the_confirmation(project: BakedProject) -> None:
    write_revision(project, "first", None, "    pass")
    project.inv("db.upgrade", env={"APP_ENV": "production"})
    if shutil.which("make") is None:
        pytest.skip("make is not installed")

    def make(*arguments: str) -> subprocess.CompletedProcess[str]:
        environment = project.environment(APP_ENV="production")
        command = ["make", "db-downgrade", *arguments]
        return subprocess.run(
            command, cwd=project.path, env=environment, capture_output=True, text=True
        )

    refused = make()
    assert refused.returncode != 0 and "pass --yes" in refused.stderr
    assert current_revision(project).startswith("first")
    confirmed = make("yes=1")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "no migration applied" in current_revision(project)


def test_recorded_environment_is_corrected_by_a_guarded_command(project: BakedProject) -> None:
    write_revision(project, "first", None, "    pass")
    project.inv("db.upgrade", env={"APP_ENV": "production"})
    line = one_error_line(project, "inv", "db.set-environment", "-n", "staging")
    assert "refusing to change the recorded environment of a production database" in line
    project.inv("db.set-environment", "-n", "staging", "--yes")
    assert project.run("alembic", "downgrade", "-1").returncode == 0


# 8. Output that is piped or cut short.


def test_sql_output_cut_short_by_its_reader_ends_quietly(project: BakedProject) -> None:
    for number in range(5):
        write_revision(project, f"r{number}", f"r{number - 1}" if number else None, "    pass")
    inv = subprocess.Popen(
        [project.executable("inv"), "db.upgrade", "--sql"],
        cwd=project.path,
        env=project.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert inv.stdout is not None and inv.stderr is not None
    inv.stdout.readline()
    inv.stdout.close()  # as `| head -1` does
    stderr = inv.stderr.read()
    assert inv.wait(timeout=30) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


@pytest.mark.parametrize("arguments", [("db.upgrade", "--help"), ("--list",)])
def test_help_and_task_list_written_to_a_closed_pipe_end_quietly(
    project: BakedProject, arguments: tuple[str, ...]
) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before inv writes, as `| head -1` can be
    try:
        completed = subprocess.run(
            [project.executable("inv"), *arguments],
            cwd=project.path,
            env=project.environment(),
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(writer)
    assert completed.stderr == "", completed.stderr
    assert completed.returncode == 0


def test_infinite_lock_timeout_is_refused(project: BakedProject) -> None:
    write_revision(project, "first", None, "    pass")
    line = one_error_line(project, "inv", "db.upgrade", MIGRATION_LOCK_TIMEOUT="inf")
    assert "not a finite number of seconds" in line


# The policy itself never raises.


def test_an_error_nothing_describes_still_ends_in_one_line(project: BakedProject) -> None:
    models = project.path / "app/models.py"
    models.write_text(models.read_text() + "\nraise RuntimeError('models are broken')\n")
    line = one_error_line(project, "inv", "db.revision", "-m", "Anything")
    assert "RuntimeError: models are broken (at app/models.py:" in line
    assert "INV_TRACEBACK=1" in line


if sys.platform == "win32":  # pragma: no cover - signals and bare venv paths are POSIX here
    pytestmark = pytest.mark.skip("POSIX only")
