"""Databases for the toolkit tests: SQLite always, PostgreSQL and MariaDB when their URLs are set.

Each test gets a database of its own with a random name, dropped afterwards; a kind whose
server URL (TEST_POSTGRESQL_URL, TEST_MYSQL_URL) is unset is skipped, saying so.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from database_pool import DatabasePool

from alembic_steward.runtime._mysql_tls import SharedTlsConnection

SERVER_URL_VARIABLES = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}
# The tests' PostgreSQL sessions, and the commands' they start, commit without waiting for the
# disk (libpq reads PGOPTIONS): every database here is thrown away, and no test crashes the server
# (docs/decisions.md, "Test sessions on PostgreSQL commit without waiting for the disk").
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")
DATABASE_KINDS = ["sqlite", "postgresql", "mysql"]
# Tables the baked project keeps for itself beside the ones migrations create.
BOOKKEEPING_TABLES = frozenset(
    {
        "alembic_version",
        "alembic_environment",
        "alembic_migration_in_progress",
        "alembic_revision_checksums",
        "alembic_revision_upgrade_checksums",
        "alembic_backfills",
        "alembic_backfill_declarations",
        "alembic_revision_phases",
        "alembic_stamp_differences",
    }
)


@dataclass
class ServerDatabase:
    """A database created for one test on a shared server (or a SQLite file)."""

    kind: str
    url: str

    def query(self, sql: str) -> list[tuple]:
        """Run ``sql`` on this database from the test process and return its rows."""
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(urlsplit(self.url).path[1:]) as connection:
                return connection.execute(sql).fetchall()
        connection = connect_admin(self.kind, self.url)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall()) if cursor.description else []
        finally:
            connection.close()

    def tables(self) -> set[str]:
        if self.kind == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        elif self.kind == "postgresql":
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        else:
            sql = "SHOW TABLES"
        return {row[0] for row in self.query(sql)}

    def model_tables(self) -> set[str]:
        """The tables migrations made, without Alembic's and the guards' bookkeeping tables."""
        return self.tables() - BOOKKEEPING_TABLES

    def columns(self, table: str) -> set[str]:
        if self.kind == "sqlite":
            return {row[1] for row in self.query(f"PRAGMA table_info('{table}')")}
        sql = (
            "SELECT column_name FROM information_schema.columns"
            f" WHERE table_name = '{table}' AND table_schema = "
            + ("'public'" if self.kind == "postgresql" else "DATABASE()")
        )
        return {row[0] for row in self.query(sql)}

    def revisions(self) -> set[str]:
        if "alembic_version" not in self.tables():
            return set()
        return {row[0] for row in self.query("SELECT version_num FROM alembic_version")}


def connect_admin(kind: str, url: str):
    """Connect with the test process's own driver (autocommit) to the database in ``url``."""
    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    if kind == "postgresql":
        return psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            dbname=database,
            autocommit=True,
        )
    # PyMySQL's PREFERRED-mode TLS context, built once per process, not once per query.
    return SharedTlsConnection(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username,
        password=parts.password or "",
        database=database or None,
        autocommit=True,
    )


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def scratch_databases(database: ServerDatabase) -> set[str]:
    """Databases on the server named like the scratch ones this database's status builds."""
    if database.kind == "sqlite":
        return set()
    name = urlsplit(database.url).path.lstrip("/")
    sql = (
        "SELECT datname FROM pg_database"
        if database.kind == "postgresql"
        else "SELECT schema_name FROM information_schema.schemata"
    )
    return {row[0] for row in database.query(sql) if row[0].startswith(f"{name}_scratch_")}


def only_on(*kinds: str, why: str) -> pytest.MarkDecorator:
    """Run a test that takes ``database`` on these kinds only; ``why`` says why not the others.

    The other kinds are never set up (a skip inside the test would come after its fixtures:
    a database made and a project copied, for nothing).
    """
    del why  # for the reader, at the test
    return pytest.mark.parametrize("database", kinds, indirect=True)


@pytest.fixture(scope="session")
def postgresql_databases() -> Iterator[DatabasePool]:
    """This test process's PostgreSQL databases, made ahead and dropped behind its tests."""
    server_url = os.environ[SERVER_URL_VARIABLES["postgresql"]]

    def execute(sql: str) -> None:
        admin = connect_admin("postgresql", server_url)
        try:
            admin.execute(sql)
        finally:
            admin.close()

    pool = DatabasePool(execute)
    yield pool
    pool.close()


@pytest.fixture(params=DATABASE_KINDS)
def database(request, tmp_path: Path) -> Iterator[ServerDatabase]:
    """A fresh, empty database of each kind whose server is configured; dropped afterwards."""
    kind = request.param
    if kind == "sqlite":
        yield ServerDatabase(kind, f"sqlite:///{(tmp_path / 'safety.db').as_posix()}")
        return
    server_url = os.environ.get(SERVER_URL_VARIABLES[kind])
    if not server_url:
        pytest.skip(f"{SERVER_URL_VARIABLES[kind]} is not set; no {kind} server to test on")
    if kind == "postgresql":
        pool: DatabasePool = request.getfixturevalue("postgresql_databases")
        name = pool.take()
        try:
            yield ServerDatabase(kind, with_database(server_url, name))
        finally:
            pool.give_back(name)
        return
    # MariaDB makes and drops a database in a few milliseconds: no need to do it ahead.
    name = f"safety_{secrets.token_hex(6)}"
    admin = connect_admin(kind, server_url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
        yield ServerDatabase(kind, with_database(server_url, name))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()
