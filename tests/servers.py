"""Databases for the safety tests: SQLite always, PostgreSQL and MariaDB when their URLs are set.

Each test gets a database of its own with a random name, dropped afterwards, and a baked project
whose virtualenv also holds the server drivers (psycopg, PyMySQL).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pymysql
import pytest
from baked_project import BakedProject
from conftest import install_default_bake

SERVER_URL_VARIABLES = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}
# The tests' PostgreSQL sessions, and the commands' they start, commit without waiting for the
# disk (libpq reads PGOPTIONS): every database here is thrown away, and no test crashes the server
# (toolkit/docs/decisions.md, "Test sessions on PostgreSQL commit without waiting for the disk").
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")
DATABASE_KINDS = ["sqlite", "postgresql", "mysql"]
# squawk-cli and pglast: `inv db.lint` runs them on PostgreSQL (a PostgreSQL bake lists them in
# its dev extra);
# alembic-postgresql-enum: a PostgreSQL bake's enum support.
SERVER_DRIVERS = [
    "psycopg[binary]>=3.2",
    "pymysql>=1.1",
    "squawk-cli>=2.0",
    "pglast>=7.0",
    "alembic-postgresql-enum>=1.11",
]
# Tables the baked project keeps for itself beside the ones migrations create.
BOOKKEEPING_TABLES = frozenset(
    {
        "alembic_version",
        "alembic_environment",
        "alembic_migration_in_progress",
        "alembic_revision_checksums",
        "alembic_revision_upgrade_checksums",
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
    return SharedTlsConnection(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username,
        password=parts.password or "",
        database=database or None,
        autocommit=True,
    )


class SharedTlsConnection(pymysql.connections.Connection):
    """A PyMySQL connection whose PREFERRED-mode TLS context (no TLS option given) is built
    once per process: PyMySQL builds one per connect, loading the CA bundle each time (0.2-0.4 s).
    The toolkit does the same for its own connections (runtime/_mysql_tls.py)."""

    _preferred_context = None

    def _create_ssl_ctx(self, sslp):
        if sslp != {}:
            return super()._create_ssl_ctx(sslp)
        if SharedTlsConnection._preferred_context is None:
            SharedTlsConnection._preferred_context = super()._create_ssl_ctx({})
        return SharedTlsConnection._preferred_context


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


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
    name = f"safety_{secrets.token_hex(6)}"
    admin = connect_admin(kind, server_url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
        yield ServerDatabase(kind, with_database(server_url, name))
    finally:
        with admin.cursor() as cursor:
            if kind == "postgresql":
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


@pytest.fixture(scope="session")
def safety_installed_project(cookies_session) -> BakedProject:
    """A default bake installed with its dev extra plus the server drivers."""
    return install_default_bake(cookies_session, *SERVER_DRIVERS)


@pytest.fixture
def safety_project(safety_installed_project: BakedProject) -> Iterator[BakedProject]:
    """The installed project with server drivers, reset to the fresh bake after each test."""
    yield safety_installed_project
    safety_installed_project.restore_snapshot()
