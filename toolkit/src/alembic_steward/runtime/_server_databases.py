"""Find, create and drop databases: the one place that does, for `inv db.create`/`db.drop` and
for the scratch databases status, check and the baked tests build.

Our own few statements rather than SQLAlchemy-Utils (see toolkit/docs/decisions.md): its
`database_exists` reports a server that is down as a missing database, its drop waits on other
sessions, it creates no SQLite folder, and importing it doubles a task's start-up time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection, Engine

# The database a PostgreSQL server always has, to connect to when the target may not exist.
POSTGRESQL_MAINTENANCE_DATABASE = "postgres"
# SQLSTATE / MySQL error codes that mean "this user may not do that".
POSTGRESQL_INSUFFICIENT_PRIVILEGE = "42501"
MYSQL_ACCESS_DENIED = {1044, 1045, 1227}
# Files SQLite (and our migration lock) keep beside a database file.
SQLITE_COMPANION_SUFFIXES = ("-journal", "-wal", "-shm", "-migration-lock")


def backfill_lock_files(path: Path) -> list[Path]:
    """The OS lock files backfill runners left beside the SQLite database ``path``, one per
    backfill (runtime/_named_locks.py): `app.db-backfill-NAME-lock`."""
    import glob

    return list(path.parent.glob(f"{glob.escape(path.name)}-backfill-*-lock"))


class ServerRefused(Exception):
    """The server refused a create or drop for a reason the user can act on; str is the line."""


def target_url() -> URL:
    """The database `DATABASE_URL` names, with the blocking driver tasks use."""
    from sqlalchemy import make_url

    from alembic_steward._wiring import get_settings

    return make_url(get_settings().blocking_database_url)


def admin_engine(url: URL, **connect_args: object) -> Engine:
    """An autocommit engine on ``url`` that keeps no connection once disposed."""
    from sqlalchemy import create_engine, pool

    from alembic_steward.runtime._bounded_waits import bound_waits

    # NullPool (and dispose in the callers' finally): a failed CREATE or DROP must not leave a
    # session behind, which would keep a database in use.
    return bound_waits(
        create_engine(
            url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool, connect_args=connect_args
        )
    )


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory or URI-style database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def maintenance_url(url: URL) -> URL:
    """``url`` on its server's maintenance database (PostgreSQL) or on none (MySQL/MariaDB): a
    URL to connect with when its own database may not exist."""
    backend = url.get_backend_name()
    database = POSTGRESQL_MAINTENANCE_DATABASE if backend == "postgresql" else None
    # _replace, not set(): URL.set ignores None, which would keep the (maybe missing) database.
    return url._replace(database=database)


@contextmanager
def maintenance_connection(url: URL, **connect_args: object) -> Iterator[Connection]:
    """An autocommit connection to ``url``'s server that does not need its database to exist."""
    engine = admin_engine(maintenance_url(url), **connect_args)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def database_exists(url: URL, **connect_args: object) -> bool:
    """Tell whether ``url``'s database exists; a server that cannot be reached raises."""
    from sqlalchemy import text

    backend = url.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        return path is None or path.is_file()
    if backend == "postgresql":
        query = text("SELECT 1 FROM pg_database WHERE datname = :name")
    else:
        query = text("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = :name")
    with maintenance_connection(url, **connect_args) as connection:
        return connection.scalar(query, {"name": url.database}) is not None


def create_database(url: URL) -> bool:
    """Create ``url``'s database (a SQLite file: its folder too); False if it exists already.

    Another process may create it between a caller's check and this CREATE (replicas all
    running `inv db.setup`): the server's refusal is then read as the database existing.
    """
    from sqlalchemy.exc import DBAPIError

    if url.get_backend_name() == "sqlite":
        import sqlite3

        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Made exclusively: of two creators racing, only one is told it made the file.
            try:
                with path.open("x"):
                    pass
            except FileExistsError:
                return False
            sqlite3.connect(path).close()
        return True
    try:
        with (
            maintenance_connection(url) as connection,
            refused_without_privilege(connection, "create databases"),
        ):
            create_database_on(connection, url.database or "")
    except DBAPIError:
        # PostgreSQL says "already exists" or, racing, a duplicate key in pg_database; MySQL
        # error 1007. Asking again covers every wording.
        if database_exists(url):
            return False
        raise
    return True


def create_database_on(connection: Connection, name: str) -> None:
    """Create the database ``name`` on ``connection``'s server, in that database's charset.

    On MySQL/MariaDB it takes the character set and collation of the database ``connection``
    is in (column types carry their collation there, so a scratch database built otherwise
    would show as drift), or utf8mb4 from a connection in none (`inv db.create`).
    """
    quoted = connection.dialect.identifier_preparer.quote(name)
    connection.exec_driver_sql(f"CREATE DATABASE {quoted}{character_set(connection)}")


def character_set(connection: Connection) -> str:
    """The CHARACTER SET clause for a database created on ``connection``; none off MySQL."""
    if connection.dialect.name != "mysql":
        return ""
    row = connection.exec_driver_sql(
        "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME"
        " FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()"
    ).first()
    return f" CHARACTER SET {row[0]} COLLATE {row[1]}" if row else " CHARACTER SET utf8mb4"


def drop_database(url: URL) -> None:
    """Drop ``url``'s database, refusing while other PostgreSQL sessions are connected to it."""
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.unlink(missing_ok=True)
            for suffix in SQLITE_COMPANION_SUFFIXES:
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            for lock in backfill_lock_files(path):
                lock.unlink(missing_ok=True)
        return
    with maintenance_connection(url) as connection:
        if url.get_backend_name() == "postgresql":
            refuse_while_connected(connection, url.database)
        with refused_without_privilege(connection, "drop databases"):
            drop_database_on(connection, url.database or "")


def drop_database_on(connection: Connection, name: str, *, force: bool = False) -> None:
    """Drop the database ``name`` if it exists; ``force`` ends PostgreSQL sessions still in it."""
    quoted = connection.dialect.identifier_preparer.quote(name)
    # FORCE (PostgreSQL 13 or newer) is for databases the caller owns alone, such as scratch ones.
    forced = " WITH (FORCE)" if force and connection.dialect.name == "postgresql" else ""
    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}{forced}")


ENDING_SESSIONS_SECONDS = 2.0


def refuse_while_connected(connection: Connection, database: str) -> None:
    """Refuse to drop a PostgreSQL database other sessions use, naming them."""
    import time

    from sqlalchemy import text

    # Without this check PostgreSQL waits five seconds, then fails with "is being accessed".
    # A session whose client has just exited (the command before this one) is still listed
    # until its server process ends: asked again for a moment, only live sessions remain.
    deadline = time.monotonic() + ENDING_SESSIONS_SECONDS
    while True:
        sessions = connection.execute(
            text(
                "SELECT pid, application_name FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid() ORDER BY pid"
            ),
            {"name": database},
        ).all()
        if not sessions or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if sessions:
        shown = ", ".join(
            f"pid {row.pid} ({row.application_name or 'no name'})" for row in sessions
        )
        raise ServerRefused(
            f"{len(sessions)} other session(s) are connected to {database}: {shown};"
            " stop them (the service, a db.shell) and run `inv db.drop` again; nothing was dropped"
        )


@contextmanager
def refused_without_privilege(connection: Connection, what: str) -> Iterator[None]:
    """Turn a "permission denied" from a CREATE or DROP DATABASE into a ServerRefused line."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as error:
        if not lacks_privilege(error):
            raise
        user = connection.engine.url.username or "this user"
        raise ServerRefused(
            f"{user} has no right to {what} on this server; ask its administrator to grant it"
            " (PostgreSQL: CREATEDB; MySQL/MariaDB: CREATE and DROP) or to do it for you"
        ) from None


def lacks_privilege(error: Exception) -> bool:
    """Tell whether a driver error means the user lacks a privilege."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) == POSTGRESQL_INSUFFICIENT_PRIVILEGE:
        return True
    arguments = getattr(original, "args", ())
    return bool(arguments) and arguments[0] in MYSQL_ACCESS_DENIED


def may_create_databases(url: URL) -> bool | None:
    """Tell whether ``url``'s user may create its database; None when the server will not say."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    if url.get_backend_name() == "sqlite":
        return True
    if url.get_backend_name() == "postgresql":
        query = text("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
    else:
        # A global CREATE, or one on a pattern (`app%`) that covers the name.
        query = text(
            "SELECT COUNT(*) > 0 FROM information_schema.USER_PRIVILEGES"
            " WHERE GRANTEE = :grantee AND PRIVILEGE_TYPE = 'CREATE'"
            " UNION ALL SELECT COUNT(*) > 0 FROM information_schema.SCHEMA_PRIVILEGES"
            " WHERE GRANTEE = :grantee AND PRIVILEGE_TYPE = 'CREATE' AND :name LIKE TABLE_SCHEMA"
        )
    try:
        with maintenance_connection(url) as connection:
            parameters = {}
            if url.get_backend_name() == "mysql":
                user, _, host = connection.scalar(text("SELECT CURRENT_USER()")).rpartition("@")
                parameters = {"grantee": f"'{user}'@'{host}'", "name": url.database}
            return any(connection.execute(query, parameters).scalars())
    except DBAPIError:
        return None
