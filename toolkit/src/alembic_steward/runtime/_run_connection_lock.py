"""A second MySQL/MariaDB lock, held by the connection that runs the migrations themselves.

The migration lock lives in a session of its own (runtime/_migration_lock_connection.py), idle
while the migrations run. When the run's process is killed (kill -9, a pod's OOM), the server
ends that idle session at once and frees the lock; but the statement the run had sent (a long
ALTER, a backfill's UPDATE) goes on in the server until it ends, changing the schema under a
status that, finding the mark and the lock free, would call the run half-applied and advise a
repair. This lock, held by that very connection, stays taken for as long as the server still
runs its statement: status and the checks read it (runtime/_running_migration.py) and say a
migration is running instead.

Taken with one round trip when the run starts; given back in the session reset that ends the
run (runtime/_lock_waits.py), or with the session itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Kept on the driver connection: the statement that gives the lock back at the run's end.
RELEASE_ON_RESET = "alembic_steward_run_lock_release"


def quoted(name: str) -> str:
    """``name`` as a MySQL string literal (sent past the driver's parameters: see below)."""
    return "'" + name.replace("\\", "\\\\").replace("'", "''") + "'"


@contextmanager
def run_connection_locked(connection: Any) -> Iterator[None]:
    """Hold the run's own lock on ``connection`` (MySQL/MariaDB) for the block."""
    if connection.dialect.name not in ("mysql", "mariadb"):
        yield
        return
    from alembic_steward.runtime._lock_waits import send_to_driver
    from alembic_steward.runtime._migration_lock_mysql import mysql_run_lock_name

    name = quoted(mysql_run_lock_name(connection))
    # On the driver's connection: through SQLAlchemy it would begin a transaction that Alembic
    # then takes for the caller's and never commits. A wait of 0: the migration lock, held
    # already, keeps every other live run out; a killed run's statement may still hold it,
    # and the run then stops on that run's mark.
    send_to_driver(connection, f"DO GET_LOCK({name}, 0)")
    connection.info[RELEASE_ON_RESET] = f"@alembic_steward_run_lock = RELEASE_LOCK({name})"
    yield


def release_on_reset(connection: Any) -> list[str]:
    """The assignment that gives the run's lock back, for the session reset's SET (or [])."""
    release = connection.info.pop(RELEASE_ON_RESET, None)
    return [release] if release else []
