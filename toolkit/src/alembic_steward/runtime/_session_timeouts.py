"""Have the server end a migration's sessions once their client stops talking, freeing its locks.

A client that stalls or vanishes leaves its server session open for hours under the servers'
defaults, holding the migration lock and any table lock of its transaction. Both sessions of a
run therefore carry a short idle timeout (``MIGRATION_IDLE_TIMEOUT``), set for the session
only, never globally:

- the migration's own session: PostgreSQL ``idle_in_transaction_session_timeout`` (its locks
  live in transactions; between them it holds none), MySQL/MariaDB ``wait_timeout`` with
  ``net_read_timeout`` and ``net_write_timeout``;
- the migration lock's session, idle by design while the migrations run: PostgreSQL
  ``idle_session_timeout`` (14 or newer; older servers rely on the TCP keepalives set here),
  MySQL/MariaDB ``wait_timeout``; a heartbeat thread keeps a live client's lock session busy.

The server ends the session, so the advisory lock or ``GET_LOCK`` it held is freed with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from alembic_steward.runtime._bounded_waits import KEEPALIVE_INTERVAL_SECONDS, KEEPALIVE_PROBES
from alembic_steward.runtime._timeouts import Timeouts

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["end_abandoned_lock_session", "end_abandoned_migration_session", "kept_alive"]

logger = logging.getLogger(__name__)

# idle_session_timeout arrived in PostgreSQL 14, tcp_user_timeout in 12.
POSTGRESQL_IDLE_SESSION_TIMEOUT = (14,)
POSTGRESQL_TCP_USER_TIMEOUT = (12,)


def postgresql_keepalives(connection: Connection, timeouts: Timeouts) -> dict[str, int]:
    """The server's own TCP keepalive settings: it notices a client machine that vanished."""
    idle = max(int(timeouts.idle // 2), 1)
    settings = {
        "tcp_keepalives_idle": idle,
        "tcp_keepalives_interval": KEEPALIVE_INTERVAL_SECONDS,
        "tcp_keepalives_count": KEEPALIVE_PROBES,
    }
    if server_version(connection) >= POSTGRESQL_TCP_USER_TIMEOUT:
        span = idle + KEEPALIVE_INTERVAL_SECONDS * KEEPALIVE_PROBES
        settings["tcp_user_timeout"] = span * 1000
    return settings


def postgresql_session_settings(settings: dict[str, int]) -> str:
    """One statement that SETs each of ``settings`` for the session: one round trip for all."""
    calls = ", ".join(f"set_config('{name}', '{value}', false)" for name, value in settings.items())
    return f"SELECT {calls}"


def server_version(connection: Connection) -> tuple[int, ...]:
    return tuple(connection.dialect.server_version_info or ())


def milliseconds(seconds: float) -> int:
    return max(int(seconds * 1000), 1)


def whole_seconds(seconds: float) -> int:
    return max(int(round(seconds)), 1)


def end_abandoned_migration_session(connection: Connection, timeouts: Timeouts) -> None:
    """Make the server end the migration session on ``connection`` once its client goes quiet.

    Runs outside any transaction of the caller's and leaves none open.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        settings = {
            "idle_in_transaction_session_timeout": milliseconds(timeouts.idle),
            **postgresql_keepalives(connection, timeouts),
        }
        statements = [postgresql_session_settings(settings)]
    elif dialect in ("mysql", "mariadb"):
        idle = whole_seconds(timeouts.idle)
        statements = [
            f"SET SESSION wait_timeout = {idle}, net_read_timeout = {idle},"
            f" net_write_timeout = {idle}"
        ]
    else:
        return
    from alembic_steward.runtime._session_statements import sent_alone, session_statement

    driver = connection.connection.dbapi_connection
    if not connection.in_transaction() and sent_alone(driver):
        # On the driver, past SQLAlchemy: no transaction to begin and end around them.
        for statement in statements:
            session_statement(driver, statement)
        return
    for statement in statements:
        connection.exec_driver_sql(statement)
    # SQLAlchemy began a transaction for these; Alembic must start from none.
    connection.commit()


def end_abandoned_lock_session(locking: Connection, timeouts: Timeouts) -> None:
    """Make the server end the lock's autocommit session once its client (and heartbeat) stop."""
    dialect = locking.dialect.name
    if dialect == "postgresql":
        settings = postgresql_keepalives(locking, timeouts)
        if server_version(locking) >= POSTGRESQL_IDLE_SESSION_TIMEOUT:
            settings["idle_session_timeout"] = milliseconds(timeouts.idle)
        statements = [postgresql_session_settings(settings)]
    elif dialect in ("mysql", "mariadb"):
        statements = [f"SET SESSION wait_timeout = {whole_seconds(timeouts.idle)}"]
    else:
        return
    for statement in statements:
        locking.exec_driver_sql(statement)


@contextmanager
def kept_alive(locking: Connection, timeouts: Timeouts) -> Iterator[None]:
    """Keep the lock's session busy from a thread, three times per idle timeout, for the block.

    If a heartbeat fails the client has lost the server: the server ends the session and frees
    the lock; the run goes on to fail on its own connection, which went the same way.
    """
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(timeouts.idle / 3):
            try:
                locking.exec_driver_sql("SELECT 1")
            except Exception as error:  # noqa: BLE001 - said in the log; the run fails itself
                logger.debug("The migration lock's session was lost: %s", error)
                return

    from alembic_steward.runtime._helper_threads import helper_thread

    heartbeat = helper_thread(beat, "alembic-steward lock heartbeat")
    heartbeat.start()
    try:
        yield
    finally:
        stop.set()
        heartbeat.join()
