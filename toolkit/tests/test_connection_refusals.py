"""A server that answers but refuses (wrong password, unknown user, missing database, no rights)
is named as such in one line with a fix that works, never reported as unreachable."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pymysql
import pytest
from failures import write_revision
from project import Project
from servers import ServerDatabase, connect_admin, only_on, with_database

REFUSED, UNREACHABLE = 10, 5
PASSWORD = "Refusal-Pw-7d1c"


def with_user(url: str, user: str, password: str | None) -> str:
    parts = urlsplit(url)
    login = f"{user}:{password}" if password is not None else user
    return urlunsplit(parts._replace(netloc=f"{login}@{parts.hostname}:{parts.port}"))


@pytest.fixture
def server(database: ServerDatabase) -> ServerDatabase:
    """``database``, on one of the servers each test names with only_on."""
    return database


@pytest.fixture
def unprivileged_user(server: ServerDatabase) -> Iterator[str]:
    """A user with a password and no right to create databases or to use ``server``'s."""
    user = f"refusal_{secrets.token_hex(4)}"
    admin = connect_admin(server.kind, server.url)
    create, drop = {
        "postgresql": (
            f"CREATE ROLE {user} LOGIN NOCREATEDB PASSWORD '{PASSWORD}'",
            f"DROP ROLE IF EXISTS {user}",
        ),
        "mysql": (
            f"CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'",
            f"DROP USER IF EXISTS '{user}'@'%'",
        ),
    }[server.kind]
    try:
        with admin.cursor() as cursor:
            cursor.execute(create)
        yield user
    finally:
        with admin.cursor() as cursor:
            cursor.execute(drop)
        admin.close()


def accepts(kind: str, url: str) -> bool:
    try:
        connect_admin(kind, url).close()
    except (psycopg.Error, pymysql.Error):
        return False
    return True


def refused(project: Project, url: str, *task: str, code: int = REFUSED) -> str:
    """Run ``task`` on ``url``; return its one error line, checked free of the password."""
    completed = project.inv(*task, code=code, env={"DATABASE_URL": url})
    (error,) = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert PASSWORD not in completed.stdout + completed.stderr
    assert "cannot reach" not in error, error
    return error


@only_on("postgresql", "mysql", why="SQLite has no server to refuse a user or a database")
def test_a_wrong_password_is_named_by_status_and_every_task(
    project: Project, server: ServerDatabase, unprivileged_user: str
) -> None:
    url = with_user(server.url, unprivileged_user, PASSWORD + "x")
    if accepts(server.kind, url):
        pytest.skip(f"this {server.kind} server takes any password from here (pg_hba.conf: trust)")
    error = refused(project, url, "db.status", code=REFUSED)
    assert f"refused user {unprivileged_user} with the password" in error
    # One failure, one exit code: every task exits as db.status does.
    for task in [("db.upgrade",), ("db.create",), ("db.wait", "--timeout", "5"), ("db.check",)]:
        assert refused(project, url, *task) == error, task


@only_on("postgresql", "mysql", why="SQLite has no server to refuse a user or a database")
def test_an_unknown_user_is_named_by_status_and_every_task(
    project: Project, server: ServerDatabase
) -> None:
    url = with_user(server.url, "nobody_" + secrets.token_hex(4), PASSWORD)
    error = refused(project, url, "db.status", code=REFUSED)
    # MySQL and MariaDB answer a wrong password and an unknown user alike, on purpose.
    assert "has no user nobody_" in error or "(a wrong password, or no such user" in error
    assert refused(project, url, "db.upgrade") == error


@only_on("postgresql", "mysql", why="SQLite has no server to refuse a user or a database")
def test_an_unknown_user_is_refused_alike_by_the_tasks_that_build_scratch_databases(
    project: Project, server: ServerDatabase
) -> None:
    # db.schema and db.squash sign in first on a scratch database, db.shell through the
    # database's own client: each says the sign-in refusal, exit 10, as db.status does.
    write_revision(project, "first", None, "    pass")
    write_revision(project, "second", "first", "    pass")
    url = with_user(server.url, "nobody_" + secrets.token_hex(4), PASSWORD)
    error = refused(project, url, "db.status", code=REFUSED)
    tasks = [
        ("db.schema",),
        ("db.schema", "--check"),
        ("db.squash", "--through", "second", "--dry-run"),
        ("db.shell",),
    ]
    for task in tasks:
        assert refused(project, url, *task) == error, task


@only_on("postgresql", "mysql", why="SQLite has no server to refuse a user or a database")
def test_a_missing_database_is_named_with_db_create_which_then_works(
    project: Project, server: ServerDatabase
) -> None:
    url = with_database(server.url, f"{urlsplit(server.url).path[1:]}_missing")
    error = refused(project, url, "db.status", code=REFUSED)
    assert "_missing does not exist" in error and "create it with `inv db.create`" in error
    assert refused(project, url, "db.check", code=REFUSED) == error
    try:
        project.inv("db.create", env={"DATABASE_URL": url})
        project.inv("db.status", env={"DATABASE_URL": url})
    finally:
        project.inv("db.drop", "--yes", env={"DATABASE_URL": url})


@only_on("postgresql", "mysql", why="SQLite has no server to refuse a user or a database")
def test_a_user_without_rights_is_not_sent_to_db_create(
    project: Project, server: ServerDatabase, unprivileged_user: str
) -> None:
    name = f"{urlsplit(server.url).path[1:]}_missing"
    url = with_user(with_database(server.url, name), unprivileged_user, PASSWORD)
    error = refused(project, url, "db.status", code=REFUSED)
    assert "inv db.create" not in error and "administrator" in error
    waited = project.inv("db.wait", env={"DATABASE_URL": url}).stdout
    assert "inv db.create" not in waited and "administrator" in waited
    # The advice was right: this user may not create it (signed in: no refusal of the sign-in).
    refused(project, url, "db.create", code=1)


@only_on("postgresql", why="MySQL/MariaDB refuse such a user the database itself (the test above)")
def test_a_user_who_may_not_read_the_tables_is_told_so_not_that_the_server_is_unreachable(
    project: Project, server: ServerDatabase, unprivileged_user: str
) -> None:
    write_revision(project, "first", None, "    pass")
    project.inv("db.upgrade", env={"DATABASE_URL": server.url})
    # PostgreSQL lets every user connect; alembic_version, the postgres user's, is then refused.
    url = with_user(server.url, unprivileged_user, PASSWORD)
    error = refused(project, url, "db.status", code=REFUSED)
    assert unprivileged_user in error and "administrator" in error
    refused(project, url, "db.upgrade")


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_a_server_that_is_down_is_told_alike_by_the_tasks_that_build_scratch_databases(
    project: Project, kind: str
) -> None:
    # No server listens on this port: db.schema and db.squash said `error: ScratchDatabaseRefused:
    # ...` and exited 1, where db.status says the server cannot be reached and exits 5.
    write_revision(project, "first", None, "    pass")
    write_revision(project, "second", "first", "    pass")
    driver = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}[kind]
    url = f"{driver}://someone:{PASSWORD}@127.0.0.1:9/app"
    status = project.inv("db.status", code=UNREACHABLE, env={"DATABASE_URL": url})
    (said,) = [line for line in status.stderr.splitlines() if line.startswith("error: ")]
    assert said.startswith("error: cannot reach the database at"), said
    for task in [("db.schema",), ("db.squash", "--through", "second", "--dry-run")]:
        completed = project.inv(*task, code=UNREACHABLE, env={"DATABASE_URL": url})
        (error,) = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
        assert error.startswith("error: cannot reach the database at"), (task, error)
        assert "Scratch" not in error and PASSWORD not in completed.stderr, (task, error)
