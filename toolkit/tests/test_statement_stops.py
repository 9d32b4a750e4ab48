"""MariaDB/MySQL: the run's own statement is stopped by the id the server gives its connection.

The id is asked of the server (CONNECTION_ID()) on the run's connection, so it is the same
whichever driver holds that connection: PyMySQL and aiomysql keep the handshake's id as an
attribute, mysqlclient behind a method, others not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator

import pytest
from servers import ServerDatabase, only_on
from sqlalchemy import Connection, NullPool, create_engine, event, make_url, text

from alembic_steward.runtime._migration_lock_mysql import mysql_run_lock_name
from alembic_steward.runtime._statement_stops import (
    RUN_CONNECTION_IDS,
    killed_query,
    remember_run_connection,
    stop_run_statement,
)

SLEEPING = "SELECT SLEEP(30)"


def forget_the_handshake_id(dbapi_connection: object, _record: object) -> None:
    """Leave the driver's connection without the id its handshake gave, as drivers other than
    PyMySQL and aiomysql have it (mysqlclient's is behind a method, asyncmy's elsewhere)."""
    del dbapi_connection.server_thread_id  # type: ignore[attr-defined]


@pytest.fixture
def kept_ids() -> Iterator[None]:
    """This test's run connections are forgotten after it, as a run's are with its process."""
    yield
    RUN_CONNECTION_IDS.clear()


@only_on("mysql", why="only MySQL/MariaDB's server goes on with the statement of a stopped run")
@pytest.mark.parametrize("handshake_id", ["kept", "not kept"])
def test_the_run_s_statement_is_stopped_whatever_its_driver_keeps(
    database: ServerDatabase, handshake_id: str, kept_ids: None
) -> None:
    engine = create_engine(database.url, poolclass=NullPool)
    if handshake_id == "not kept":
        event.listen(engine, "connect", forget_the_handshake_id)
    with engine.connect() as run:
        name = mysql_run_lock_name(run)
        assert run.scalar(text("SELECT GET_LOCK(:name, 0)"), {"name": name}) == 1
        remember_run_connection(run, name)
        sleeper = threading.Thread(target=sleep_until_stopped, args=(run,), daemon=True)
        started = time.monotonic()
        sleeper.start()
        try:
            wait_for_the_sleep(database)
            assert stop_run_statement(engine) == ""  # it was running, and has stopped
            sleeper.join(timeout=10)
            assert not sleeper.is_alive() and time.monotonic() - started < 15
        finally:
            if sleeper.is_alive():  # not stopped: end it, so the connection can close
                for (connection_id,) in sleeping_statements(database):
                    database.query(f"KILL QUERY {connection_id}")
                sleeper.join(timeout=10)
    assert sleeping_statements(database) == []


@only_on("mysql", why="the id is asked of MySQL/MariaDB only")
def test_an_asyncio_run_connection_s_id_is_the_server_s(
    database: ServerDatabase, kept_ids: None
) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    url = make_url(database.url).set(drivername="mysql+aiomysql")

    def remembered(connection: Connection) -> tuple[int, int]:
        remember_run_connection(connection, "run")
        return RUN_CONNECTION_IDS["run"], connection.scalar(text("SELECT CONNECTION_ID()"))

    async def read_both() -> tuple[int, int]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(remembered)
        finally:
            await engine.dispose()

    kept, server_s = asyncio.run(read_both())
    assert kept == server_s


def sleep_until_stopped(run: Connection) -> None:
    """Sleep on the server; KILL QUERY ends it with "Query execution was interrupted"."""
    from sqlalchemy.exc import OperationalError

    with contextlib.suppress(OperationalError):
        run.exec_driver_sql(SLEEPING)


@only_on("mysql", why="KILL QUERY is MySQL/MariaDB's")
def test_a_run_connection_the_server_no_longer_has_has_no_statement_to_stop(
    database: ServerDatabase,
) -> None:
    # A cancelled asyncio run's connection may close between the check and the KILL QUERY.
    engine = create_engine(database.url, poolclass=NullPool)
    with engine.connect() as ended:
        ended_id = ended.scalar(text("SELECT CONNECTION_ID()"))
    with engine.connect() as probe:
        assert killed_query(probe, ended_id) is False


def sleeping_statements(database: ServerDatabase) -> list[tuple]:
    return database.query(
        "SELECT id FROM information_schema.processlist WHERE info = 'SELECT SLEEP(30)'"
        " AND db = DATABASE() AND id <> CONNECTION_ID()"
    )


def wait_for_the_sleep(database: ServerDatabase) -> None:
    deadline = time.monotonic() + 10
    while not sleeping_statements(database):
        assert time.monotonic() < deadline, "the sleep never started"
        time.sleep(0.05)
