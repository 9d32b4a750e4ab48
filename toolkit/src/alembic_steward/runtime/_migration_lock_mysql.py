"""The migration lock on MySQL/MariaDB: ``GET_LOCK`` named after the database, taken in short
waits, and who holds it, read from the process list."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from alembic_steward.runtime._migration_lock_connection import (
    lock_connection,
    released_by_server_if_lost,
)
from alembic_steward.runtime._migration_lock_timeout import POLL_INTERVAL_SECONDS, timed_out


def mysql_lock_name(connection: Connection) -> str:
    """Name the lock after the database: GET_LOCK names are shared by the whole server."""
    # The database SQLAlchemy read as the engine's first connection began (no round trip).
    database = connection.dialect.default_schema_name or connection.scalar(
        text("SELECT DATABASE()")
    )
    return within_name_limit(f"alembic_migrations.{database}")


def mysql_run_lock_name(connection: Connection) -> str:
    """The lock a run's own connection holds besides (runtime/_run_connection_lock.py)."""
    return within_name_limit(f"{mysql_lock_name(connection)}.run")


def within_name_limit(name: str) -> str:
    # MySQL caps lock names at 64 characters.
    return name if len(name) <= 64 else hashlib.sha256(name.encode()).hexdigest()


@contextmanager
def hold_mysql_lock(connection: Connection, timeout: float) -> Iterator[bool]:
    with lock_connection(connection) as locking:
        name = mysql_lock_name(locking)
        deadline = time.monotonic() + timeout
        # In short waits, so that no single wait outlasts DATABASE_READ_TIMEOUT; who holds the
        # run's own lock comes in the same round trip (after_killed_run_statement).
        get_lock = text("SELECT GET_LOCK(:name, :timeout), IS_USED_LOCK(:run)")
        names = {"name": name, "run": mysql_run_lock_name(locking)}
        # Tried without waiting first: a run that waited says what it found (runtime/_lock.py).
        taken, run_holder = locking.execute(get_lock, {**names, "timeout": 0}).one()
        waited = taken != 1
        while taken != 1:
            slice_ = lock_wait_slice(deadline)
            taken, run_holder = locking.execute(get_lock, {**names, "timeout": slice_}).one()
            if taken != 1 and time.monotonic() >= deadline:
                raise timed_out(mysql_lock_holder(locking, name), timeout)
        release = "SELECT RELEASE_LOCK(:name)"
        try:
            if run_holder is not None:
                waited = after_killed_run_statement(locking, deadline, timeout) or waited
        except BaseException:
            locking.execute(text(release), {"name": name})
            raise
        with released_by_server_if_lost(locking, release, name):
            yield waited


def after_killed_run_statement(locking: Connection, deadline: float, timeout: float) -> bool:
    """Wait, within the lock's ``deadline``, for a killed run's statement still running on the
    server (it holds the run's own lock: runtime/_run_connection_lock.py) to end, as for a run
    holding the migration lock: a repair or a run started meanwhile would read its mark, or
    the schema, while the statement goes on changing it. Return whether it waited."""
    from alembic_steward.runtime._running_migration import killed_run_statement

    holder = killed_run_statement(locking)
    if holder is None:
        return False
    while time.monotonic() < deadline:
        time.sleep(min(lock_wait_slice(deadline), POLL_INTERVAL_SECONDS))
        if killed_run_statement(locking) is None:
            return True
    raise timed_out(holder, timeout)


def lock_wait_slice(deadline: float) -> float:
    """Seconds of GET_LOCK's next wait: what remains, at most one second."""
    return round(min(max(deadline - time.monotonic(), 0.0), 1.0), 3)


def mysql_lock_holder(locking: Connection, name: str) -> str:
    """Describe the connection holding the named lock, from the process list, and the pid of
    its process when that runs on this machine (runtime/_local_clients.py)."""
    holder = locking.execute(
        text(
            "SELECT ID AS id, USER AS user, HOST AS host FROM information_schema.PROCESSLIST"
            " WHERE ID = IS_USED_LOCK(:name)"
        ),
        {"name": name},
    ).first()
    if holder is None:
        return "holder unknown"
    said = f"MySQL connection id {holder.id}, user {holder.user!r}, client {holder.host}"
    # The server knows no pid; a holder on this machine is found by its socket.
    from alembic_steward.runtime._local_clients import local_client_pid

    port = locking.execute(text("SELECT @@port")).scalar()
    pid = local_client_pid(str(holder.host), int(port)) if port else None
    return said + (f", process pid {pid}" if pid else "")
