"""Fixtures giving each test a database of its own, never the one DATABASE_URL names.

The server comes from TEST_DATABASE_URL, else DATABASE_URL (environment, then `.env`), else
SQLite. On a server, each database is created fresh beside the named one and dropped afterwards;
on SQLite it is a temporary file. Either way the named database itself is never touched.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, pool
from sqlalchemy.orm import Session

from app.migrations.config import build_alembic_config
from app.settings import get_settings, with_driver


def server_url() -> URL | None:
    """The server the tests create their databases on, or None for temporary SQLite files."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        settings = get_settings()
        url = settings.database.value if settings.database.source != "default" else None
    if not url:
        return None
    parsed = make_url(with_driver(url, use_async=False))
    return None if parsed.get_backend_name() == "sqlite" else parsed


@contextmanager
def fresh_database(directory: Path) -> Iterator[str]:
    """Create an empty database for one user of it; yield its (blocking) URL; drop it after."""
    server = server_url()
    if server is None:
        yield f"sqlite:///{(directory / 'test.db').as_posix()}"
        return
    # Short enough for PostgreSQL's 63 and MySQL's 64 characters, and unique per test.
    name = f"{(server.database or 'app')[:40]}_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    quoted = admin.dialect.identifier_preparer.quote(name)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
        if admin.dialect.name == "postgresql":
            # A throwaway database needs no wait for the disk at each of the stairway's commits.
            connection.exec_driver_sql(f"ALTER DATABASE {quoted} SET synchronous_commit = off")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE closes sessions a failed test may have left open (PostgreSQL 13 or newer).
        force = " WITH (FORCE)" if admin.dialect.name == "postgresql" else ""
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}{force}")
        admin.dispose()


def let_sqlite_manage_its_own_transactions(engine: Engine) -> None:
    """Make pysqlite honour BEGIN and SAVEPOINT, which a rolled-back test session relies on.

    This is SQLAlchemy's documented recipe: pysqlite otherwise starts and ends transactions on
    its own, so a rollback after a savepoint would not undo what was written.
    """

    @event.listens_for(engine, "connect")
    def disable_pysqlite_transactions(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None
        # A throwaway database needs no fsync at each of the stairway's many commits.
        dbapi_connection.execute("PRAGMA synchronous = OFF")

    @event.listens_for(engine, "begin")
    def emit_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


@contextmanager
def connection_to(url: str) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        let_sqlite_manage_its_own_transactions(engine)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def alembic_config_on(connection: Connection) -> Config:
    """The project's Alembic config, running migrations on ``connection``."""
    config = build_alembic_config(quiet=True)
    config.attributes["connection"] = connection
    # env.py sets up logging from alembic.ini when it has a file name; a stairway runs env.py
    # at every step, and re-reading the logging setup each time would dominate its cost.
    config.config_file_name = None
    return config


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database that lives only as long as the test."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    """A connection to the test's empty database."""
    with connection_to(database_url) as connection:
        yield connection


@pytest.fixture
def alembic_config(connection: Connection) -> Config:
    """The project's Alembic config, running migrations on the test's connection."""
    return alembic_config_on(connection)


@pytest.fixture(scope="session")
def migrated_connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    """A connection to one database migrated to head, shared by every test of the run."""
    with fresh_database(tmp_path_factory.mktemp("migrated")) as url, connection_to(url) as conn:
        command.upgrade(alembic_config_on(conn), "head")
        conn.commit()
        yield conn


@contextmanager
def session_rolled_back_after(connection: Connection) -> Iterator[Session]:
    """Yield a session whose work, commits included, is rolled back when the block ends."""
    if connection.in_transaction():
        # Only reads (inspection, revision checks) share this connection between tests.
        connection.rollback()
    transaction = connection.begin()
    # create_savepoint: the session's own commit() releases a savepoint, not the transaction.
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()


@pytest.fixture
def db_session(migrated_connection: Connection) -> Iterator[Session]:
    """A session on the migrated database; whatever the test writes is rolled back after it."""
    with session_rolled_back_after(migrated_connection) as session:
        yield session
