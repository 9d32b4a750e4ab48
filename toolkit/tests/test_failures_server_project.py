"""A server project (no default URL, as a bake with database=postgresql|mysql) never falls back to
SQLite, nor shows a password; a failed migration says what each database could roll back."""

from __future__ import annotations

import pytest
from failures import FAILING, SECRET, error_lines, write_revision
from project import Project
from servers import ServerDatabase


@pytest.mark.parametrize(
    "command",
    [("inv", "db.upgrade"), ("inv", "db.current"), ("inv", "db.status"), ("inv", "db.url")],
)
def test_server_project_without_database_url_refuses_every_db_task(
    server_project: Project, command: tuple[str, ...]
) -> None:
    completed = server_project.run(*command)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stderr.strip() == (
        "error: DATABASE_URL is not set; `cp .env.example .env` and edit it"
    )
    assert not list(server_project.path.glob("*.db"))


def test_server_project_without_database_url_fails_raw_alembic_in_one_line(
    server_project: Project,
) -> None:
    completed = server_project.run("alembic", "upgrade", "head")
    assert completed.returncode != 0 and "Traceback" not in completed.stderr
    assert "FAILED: DATABASE_URL is not set" in completed.stdout
    assert not list(server_project.path.glob("*.db"))


@pytest.mark.parametrize("server_kind", ["postgresql", "mysql"])
def test_server_project_tests_that_cannot_reach_the_server_fail_without_the_password(
    server_project: Project, server_kind: str
) -> None:
    url = f"{server_kind}://app:{SECRET}@127.0.0.1:1/app"
    (server_project.path / ".env").write_text(f"DATABASE_URL={url}\n")
    completed = server_project.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert SECRET not in output
    assert "cannot create a test database on" in output and "***" in output


def test_server_project_without_a_test_database_fails_its_database_tests_in_one_line(
    server_project: Project,
) -> None:
    completed = server_project.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert completed.returncode == 1
    assert "TEST_DATABASE_URL and DATABASE_URL are not set" in completed.stdout
    assert "Traceback" not in completed.stdout


def test_failed_migration_states_what_each_database_can_roll_back(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "first", None, "    pass")
    write_revision(project, "second", "first", FAILING)
    completed = project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url})
    what, state = error_lines(completed)
    assert what.startswith("error: migration second (Safety test revision second.) failed")
    if database.kind == "mysql":
        # What remains is read after the failure (the state line says what, not "may be").
        assert state.startswith(
            "error: MySQL/MariaDB cannot roll DDL back; second is half-applied: the database is"
            " still at first"
        )
        # Both repairs are named: finished by hand (a stamp, which clears the mark), or undone.
        assert "`inv db.stamp -r second`" in state
        assert "`inv db.clear-migration-mark`" in state
    else:
        assert state == "error: rolled back; the database is still at first"
        assert "made" not in database.tables()
    assert database.revisions() == {"first"}
