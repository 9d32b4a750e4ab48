"""One migration lock per database (and per tenant schema in it), held for a whole Alembic run
so concurrent upgrades queue.

PostgreSQL uses a session-level advisory lock and MySQL/MariaDB ``GET_LOCK``, each on a
connection of its own, so the server frees the lock when that connection dies; a SQLite file
gets an OS lock on a file beside it, which the OS frees when the holding process dies.
The lock is re-entrant per thread, so a task that runs Alembic several times (`inv db.redo`,
`inv db.reset`) holds it across all of them while env.py's own request passes straight through.

Each database's lock is in its own module (runtime/_migration_lock_postgresql.py, _mysql.py,
_sqlite.py), on a connection of its own (runtime/_migration_lock_connection.py), waiting at most
MIGRATION_LOCK_TIMEOUT (runtime/_migration_lock_timeout.py). ``POSTGRESQL_LOCK_KEY`` and
``migration_lock_problem`` are re-exported (the ``as`` imports) for status and the tests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from alembic_steward.runtime._migration_lock_mysql import hold_mysql_lock
from alembic_steward.runtime._migration_lock_postgresql import (
    POSTGRESQL_LOCK_KEY as POSTGRESQL_LOCK_KEY,
)
from alembic_steward.runtime._migration_lock_postgresql import (
    hold_postgresql_lock,
    postgresql_lock_key,
)
from alembic_steward.runtime._migration_lock_sqlite import hold_sqlite_lock
from alembic_steward.runtime._migration_lock_sqlite import (
    migration_lock_problem as migration_lock_problem,
)

logger = logging.getLogger(__name__)

# The databases whose lock this thread already holds, by `lock_key`.
held_here = threading.local()


def lock_key(connection: Connection) -> str:
    """Name the database the lock guards, the same for its blocking and asyncio drivers."""
    url = connection.engine.url
    key = url.set(drivername=url.get_backend_name(), password=None).render_as_string()
    return f"{key}#{postgresql_lock_key()}" if connection.dialect.name == "postgresql" else key


@contextmanager
def hold_migration_lock(connection: Connection, timeout: float) -> Iterator[bool]:
    """Hold the migration lock of ``connection``'s database, waiting at most ``timeout`` s;
    yield whether another run held it first (this one waited for it)."""
    held = held_here.__dict__.setdefault("keys", set())
    key = lock_key(connection)
    if key in held:
        # Taken already by this thread's caller (a task spanning several Alembic runs).
        yield False
        return
    with lock_for_dialect(connection, timeout) as waited:
        held.add(key)
        try:
            yield bool(waited)
        finally:
            held.discard(key)


@contextmanager
def lock_for_dialect(connection: Connection, timeout: float) -> Iterator[bool]:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        lock = hold_postgresql_lock
    elif dialect in ("mysql", "mariadb"):
        lock = hold_mysql_lock
    elif dialect == "sqlite":
        lock = hold_sqlite_lock
    else:
        # Only the databases the template supports have a lock; others run unguarded.
        logger.warning("No migration lock for %s: concurrent runs are not serialised.", dialect)
        yield False
        return
    with lock(connection, timeout) as waited:
        yield waited


def current_revision_line(connection: Connection) -> str:
    """That nothing was changed, and where the database stands, read from it: `nothing was
    changed: the database is at REV`."""
    position = database_position(connection)
    return "nothing was changed" + (f": {position}" if position else "")


def database_position(connection: Connection) -> str | None:
    """`the database is at REV`, read from it; None when it cannot be read."""
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.runtime._offline_runs import where_the_database_is

    try:
        current = MigrationContext.configure(connection).get_current_heads()
    except Exception:  # noqa: BLE001 - the refusal is the line; its state is a bonus
        return None
    return f"the database is {where_the_database_is(current)}"
