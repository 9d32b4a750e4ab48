"""A server bake (database=postgresql|mysql) never falls back to SQLite, nor shows a password.

The bakes here borrow the libraries of the session's installed project (a `.pth` file in a venv
of their own) instead of installing again; `app` and `tasks` come from the bake's own folder.
"""

from __future__ import annotations

import os
import venv
from pathlib import Path

import pytest
from baked_project import BakedProject
from safety_revisions import write_revision
from servers import ServerDatabase

SECRET = "Sup3r-Secret"
FAILING = """\
    op.create_table("made", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT * FROM no_such_table")"""


def sharing_libraries(path: Path, installed: BakedProject) -> BakedProject:
    """Give the bake at ``path`` a venv whose libraries are those of ``installed``."""
    project = BakedProject(path)
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(project.venv)
    (shared,) = installed.venv.glob("lib/python*/site-packages")
    (own,) = project.venv.glob("lib/python*/site-packages")
    # The bake's own folder first, as its editable install would put it.
    (own / "shared_libraries.pth").write_text(f"{project.path}\n{shared}\n")
    for name, module in (("inv", "invoke.main:program.run"), ("alembic", "alembic.config:main")):
        target, function = module.split(":")
        script = project.executable(name)
        script.write_text(
            f"#!{project.executable('python')}\nimport sys\nfrom {target} import "
            f"{function.split('.')[0]}\nsys.exit({function}())\n"
        )
        script.chmod(0o755)
    return project


@pytest.fixture(params=["postgresql", "mysql"])
def server_kind(request) -> str:
    return request.param


@pytest.fixture
def server_bake(server_kind: str, cookies, safety_installed_project: BakedProject) -> BakedProject:
    result = cookies.bake(extra_context={"database": server_kind})
    assert result.exit_code == 0, result.exception
    return sharing_libraries(Path(result.project_path), safety_installed_project)


@pytest.mark.parametrize(
    "command",
    [("inv", "db.upgrade"), ("inv", "db.current"), ("inv", "db.status"), ("inv", "db.url")],
)
def test_server_bake_without_database_url_refuses_every_db_task(
    server_bake: BakedProject, command: tuple[str, ...]
) -> None:
    completed = server_bake.run(*command)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stderr.strip() == (
        "error: DATABASE_URL is not set; `cp .env.example .env` and edit it"
    )
    assert not list(server_bake.path.glob("*.db"))


def test_server_bake_without_database_url_fails_raw_alembic_in_one_line(
    server_bake: BakedProject,
) -> None:
    completed = server_bake.run("alembic", "upgrade", "head")
    assert completed.returncode != 0 and "Traceback" not in completed.stderr
    assert "FAILED: DATABASE_URL is not set" in completed.stdout
    assert not list(server_bake.path.glob("*.db"))


def test_server_bake_tests_that_cannot_reach_the_server_fail_without_the_password(
    server_bake: BakedProject, server_kind: str
) -> None:
    url = f"{server_kind}://app:{SECRET}@127.0.0.1:1/app"
    (server_bake.path / ".env").write_text(f"DATABASE_URL={url}\n")
    completed = server_bake.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert SECRET not in output
    assert "cannot create a test database on" in output and "***" in output


def test_server_bake_without_a_test_database_fails_its_database_tests_in_one_line(
    server_bake: BakedProject,
) -> None:
    completed = server_bake.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert completed.returncode == 1
    assert "TEST_DATABASE_URL and DATABASE_URL are not set" in completed.stdout
    assert "Traceback" not in completed.stdout


def test_server_bake_ci_runs_the_suite_on_its_server_only(server_bake: BakedProject) -> None:
    workflow = (server_bake.path / ".github/workflows/ci.yml").read_text()
    assert "test-sqlite" not in workflow
    assert "inv test -k single_head" in workflow


def test_sqlite_bake_ci_still_tests_on_sqlite(default_bake: Path) -> None:
    assert "test-sqlite" in (default_bake / ".github/workflows/ci.yml").read_text()


def test_failed_migration_states_what_each_database_can_roll_back(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    write_revision(safety_project, "first", None, "    pass")
    write_revision(safety_project, "second", "first", FAILING)
    completed = safety_project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url})
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1 and "Traceback" not in output, output
    what, state = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert what.startswith("error: migration second (Safety test revision second.) failed")
    if database.kind == "mysql":
        assert state == (
            "error: MySQL/MariaDB cannot roll DDL back; second may be half-applied;"
            " see `inv db.clear-migration-mark`"
        )
    else:
        assert state == "error: rolled back; the database is still at first"
        assert "made" not in database.tables()
    assert database.revisions() == {"first"}
