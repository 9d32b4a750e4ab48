"""The migration lock on PostgreSQL: a session-level advisory lock, per database or tenant
schema, and who holds it, read from pg_locks and pg_stat_activity."""

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

# One fixed advisory-lock key: PostgreSQL scopes advisory locks to the current database.
POSTGRESQL_LOCK_KEY = int.from_bytes(hashlib.sha256(b"alembic migrations").digest()[:8], "big") >> 1


def postgresql_lock_key() -> int:
    """The advisory-lock key of this run: the database's own, or its tenant schema's.

    Schema tenants share one database; one key for all would make them take turns.
    """
    from alembic_steward.runtime._tenancy import bound_tenant

    tenant = bound_tenant()
    if tenant is None or tenant.schema is None:
        return POSTGRESQL_LOCK_KEY
    seed = f"alembic migrations/{tenant.schema}".encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") >> 1


@contextmanager
def hold_postgresql_lock(connection: Connection, timeout: float) -> Iterator[bool]:
    with lock_connection(connection) as locking:
        deadline = time.monotonic() + timeout
        key = postgresql_lock_key()
        try_lock = text("SELECT pg_try_advisory_lock(:key)")
        waited = False
        while not locking.scalar(try_lock, {"key": key}):
            waited = True
            if time.monotonic() >= deadline:
                raise timed_out(postgresql_lock_holder(locking, key), timeout)
            time.sleep(POLL_INTERVAL_SECONDS)
        with released_by_server_if_lost(locking, "SELECT pg_advisory_unlock(:name)", key):
            yield waited


def postgresql_lock_holder(locking: Connection, key: int) -> str:
    """Describe the session holding the advisory lock, from pg_stat_activity."""
    return postgresql_lock_session(locking, key) or "holder unknown"


def postgresql_lock_session(locking: Connection, key: int) -> str | None:
    """Describe the session holding the advisory lock ``key`` now, or None when none does."""
    # pg_locks shows a bigint advisory key as its high and low 32 bits.
    row = locking.execute(
        text(
            "SELECT a.pid, a.application_name, a.client_addr, a.usename"
            " FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND l.classid = :high AND l.objid = :low"
        ),
        {"high": key >> 32, "low": key & 0xFFFFFFFF},
    ).first()
    if row is None:
        return None
    client = row.client_addr or "local socket"
    return f"PostgreSQL pid {row.pid}, application {row.application_name!r}, client {client}"
