"""The connection that carries only the migration lock, kept alive while it is held.

PostgreSQL and MySQL/MariaDB locks live in a session of their own, so the server frees the lock
when that session dies; a waiting run names the holder from the session's application name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from alembic_steward.runtime._timeouts import read_timeouts

logger = logging.getLogger(__name__)
# How the sessions of the toolkit's migration engines are named on PostgreSQL (then the pid).
LOCK_HOLDER_PREFIX = "alembic migrations, pid "


def lock_holder_name(url: str) -> dict[str, str]:
    """Connect arguments that name a PostgreSQL session, so a waiting run can say who holds it."""
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() == "postgresql":
        return {"application_name": f"{LOCK_HOLDER_PREFIX}{os.getpid()}"}
    return {}


@contextmanager
def lock_connection(connection: Connection) -> Iterator[Connection]:
    """Open a second, autocommit connection that carries only the lock.

    The server ends its session once the client stops talking (runtime/_session_timeouts.py);
    it is closed after use rather than pooled, as those settings are the lock's alone.
    """
    from alembic_steward.runtime._session_timeouts import end_abandoned_lock_session

    # A lock taken on the migration connection would start a transaction Alembic then treats
    # as the caller's, never committing it; a separate session keeps the two apart.
    with lock_engine(connection) as engine, engine.connect() as locking:
        try:
            locking = locking.execution_options(isolation_level="AUTOCOMMIT")
            end_abandoned_lock_session(locking, read_timeouts())
            yield locking
        finally:
            locking.invalidate()


@contextmanager
def lock_engine(connection: Connection) -> Iterator[Engine]:
    """The engine of the lock's connection: ``connection``'s own, or a blocking twin of it.

    Blocking, so that the heartbeat (a thread) can use it: an asyncio connection can only be
    used from its event loop.
    """
    from sqlalchemy import create_engine, pool

    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.urls import with_driver

    engine = connection.engine
    if not engine.dialect.is_async:
        yield bound_waits(engine)
        return
    url = with_driver(engine.url.render_as_string(hide_password=False), use_async=False)
    twin = create_engine(url, poolclass=pool.NullPool, connect_args=lock_holder_name(url))
    try:
        yield bound_waits(twin)
    finally:
        twin.dispose()


@contextmanager
def released_by_server_if_lost(locking: Connection, release: str, name: object) -> Iterator[None]:
    """Keep the lock's session alive for the block, then release; a lost session freed it."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.runtime._session_timeouts import kept_alive

    try:
        with kept_alive(locking, read_timeouts()):
            yield
    finally:
        # A session that is gone (the heartbeat found it so, or the release does) took its
        # lock with it: the server freed it.
        if not locking.invalidated:
            try:
                locking.execute(text(release), {"name": name})
            except DBAPIError as error:
                logger.debug("The migration lock's session was already lost: %s", error)
