"""Stop, on the server, the statement a MySQL/MariaDB run was in when a signal stopped it.

A signal ends the client's wait, not the server's work: MariaDB and MySQL go on running the
statement the run sent (a long ALTER, a SLEEP, a backfill's UPDATE) after its client has stopped
reading, and may still change the schema long after the run has printed what it left. So, before
the state is read, the run's own connection's statement is stopped from a second connection
(KILL QUERY, which the server allows a user on its own sessions) and waited for, bounded. Where
that cannot be done (no privilege, no answer, a statement still rolling back at the bound), the
line says the statement may still be running, not what it left. PostgreSQL cancels the statement
itself when a signal stops the client (psycopg sends the cancel request), and SQLite runs it in
the process: neither needs this.

Only this process's run connection is stopped: it is known by the id the server gives it
(CONNECTION_ID(), asked on that connection when its run lock is taken:
runtime/_run_connection_lock.py; every driver gets the same answer, where only some keep the
handshake's id, each in its own way), and only while it still holds that lock, so another run's
statement is never the one stopped.
"""

from __future__ import annotations

import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

# This process's run connections: the run lock's name -> the server's id for the connection.
RUN_CONNECTION_IDS: dict[str, int] = {}
# How long a stopped statement may take to end (a killed ALTER ... COPY drops its copy first).
STOP_WAIT_SECONDS = 15.0
# ER_NO_SUCH_THREAD: KILL names a connection the server no longer has.
UNKNOWN_THREAD_ID = 1094


def remember_run_connection(connection: Connection, run_lock_name: str) -> None:
    """Keep the server's id for ``connection``, the run's own, under its run lock's name: the
    id the driver keeps from the server's handshake where it keeps one (PyMySQL, aiomysql,
    mysqlclient: no round trip), else asked of the server, once a run (any other driver)."""
    connection_id = driver_connection_id(connection)
    if connection_id is None:
        connection_id = connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
    if connection_id is not None:
        RUN_CONNECTION_IDS[run_lock_name] = int(connection_id)


def driver_connection_id(connection: Connection) -> int | None:
    """The server's id for ``connection`` as its driver keeps it, or None where it keeps none."""
    driver = getattr(connection.connection, "driver_connection", None)
    thread_id = getattr(driver, "server_thread_id", None)  # PyMySQL, aiomysql: (id,)
    if isinstance(thread_id, (tuple, list)) and thread_id and isinstance(thread_id[0], int):
        return thread_id[0]
    method = getattr(driver, "thread_id", None)  # mysqlclient
    if callable(method):
        try:
            value = method()
        except Exception:  # noqa: BLE001 - an id we cannot read is asked of the server
            return None
        return value if isinstance(value, int) else None
    return None


def stop_run_statement(engine: Engine) -> str | None:
    """Stop this process's run statement still running on ``engine``'s MySQL/MariaDB server.

    Returns None when none was running, "" when it was and has stopped within the bound, else
    why it may still be running, to be said instead of a state read while it runs. Never raises.
    """
    if engine.dialect.name not in ("mysql", "mariadb") or not RUN_CONNECTION_IDS:
        return None
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._migration_lock_mysql import mysql_run_lock_name

    try:
        with engine.connect() as probe:
            connection_id = RUN_CONNECTION_IDS.get(mysql_run_lock_name(probe))
            if connection_id is None or not still_running(probe, connection_id):
                return None
            if not killed_query(probe, connection_id):
                return None  # the connection ended between the two: so did its statement
            deadline = time.monotonic() + STOP_WAIT_SECONDS
            while still_running(probe, connection_id):
                if time.monotonic() > deadline:
                    return (
                        f"it was asked to stop (KILL QUERY {connection_id}) but had not ended"
                        f" {STOP_WAIT_SECONDS:g} s later"
                    )
                time.sleep(0.05)
            return ""
    except Exception as error:  # noqa: BLE001 - say that it may be running, and why
        return f"it could not be stopped ({error_reason(error)})"


def killed_query(probe: Connection, connection_id: int) -> bool:
    """KILL QUERY the statement on ``connection_id``; False when the server no longer has that
    connection (error 1094, "Unknown thread id": a cancelled asyncio run's connection may be
    closing as it is stopped). Raises for any other refusal."""
    from sqlalchemy.exc import DBAPIError

    try:
        probe.exec_driver_sql(f"KILL QUERY {int(connection_id)}")
    except DBAPIError as error:
        arguments = getattr(error.orig, "args", ())
        if arguments and arguments[0] == UNKNOWN_THREAD_ID:
            return False
        raise
    return True


def still_running(probe: Connection, connection_id: int) -> bool:
    """Whether the server still runs a statement on ``connection_id`` while it holds the run lock
    (a connection that gave the lock back is no longer the run's)."""
    from alembic_steward.runtime._migration_lock_mysql import mysql_run_lock_name

    holder = probe.scalar(text("SELECT IS_USED_LOCK(:name)"), {"name": mysql_run_lock_name(probe)})
    if holder is None or int(holder) != connection_id:
        return False
    row: Any = probe.execute(
        text("SELECT command, info FROM information_schema.processlist WHERE id = :id"),
        {"id": connection_id},
    ).first()
    return row is not None and row.command != "Sleep"


def stopped_statement(connection: Connection, error: BaseException) -> str:
    """After a signal (MySQL/MariaDB): stop the statement the server still runs for the run, so
    what is read next is what it left; return why it may still be running, or ""."""
    if isinstance(error, Exception):
        return ""  # a failed statement has ended; only a signal leaves one running
    running = stop_run_statement(connection.engine)
    if running is not None:
        # The run's connection stopped mid-answer: what it would read next is that statement's.
        with suppress(Exception):
            connection.invalidate()
    return running or ""


def heads_read_afresh(connection: Connection) -> tuple[str, ...] | None:
    """The version table, read on a new connection (None if unreadable)."""
    from alembic_steward.runtime._state_after_failure import version_heads

    try:
        with connection.engine.connect() as fresh:
            return version_heads(fresh)
    except Exception:  # noqa: BLE001 - the line says the statement may run; status reads on
        return None
