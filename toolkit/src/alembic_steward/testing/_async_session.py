"""An AsyncSession on a test database, through the app's asyncio driver, rolled back after.

The async twin of ``session_rolled_back_after``: an asyncio service's own code takes an
AsyncSession, so its tests need one on the same migrated database the blocking fixtures use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, make_url, pool

from alembic_steward._wiring import get_settings
from alembic_steward.urls import DatabaseUrlError, with_driver

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession


def asyncio_url(url: str) -> str:
    """``url``'s database through the driver the app's asyncio engine uses for that kind.

    A test server of another kind than the app's (TEST_DATABASE_URL) gets the project's
    default asyncio driver for it.
    """
    test = make_url(url)
    backend = test.get_backend_name()
    try:
        settings = get_settings()
        app = make_url(settings.database_url) if settings.use_async else None
    except DatabaseUrlError:
        app = None
    if app is not None and app.get_backend_name() == backend:
        return test.set(drivername=app.drivername).render_as_string(hide_password=False)
    plain = test.set(drivername=backend).render_as_string(hide_password=False)
    return with_driver(plain, use_async=True)


def let_aiosqlite_manage_its_own_transactions(engine: AsyncEngine) -> None:
    """SQLAlchemy's recipe for SAVEPOINT on aiosqlite: BEGIN is ours, not the driver's."""

    @event.listens_for(engine.sync_engine, "connect")
    def disable_driver_transactions(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def emit_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


@asynccontextmanager
async def async_session_rolled_back_after(url: str) -> AsyncIterator[AsyncSession]:
    """Yield an AsyncSession on ``url`` whose work, commits included, is rolled back after."""
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    engine = create_async_engine(asyncio_url(url), poolclass=pool.NullPool)
    if engine.dialect.name == "sqlite":
        let_aiosqlite_manage_its_own_transactions(engine)
    try:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            # create_savepoint: the session's own commit() releases a savepoint, not the
            # transaction; expire_on_commit=False, as the app's sessions (no implicit IO).
            session = AsyncSession(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
            try:
                yield session
            finally:
                await session.close()
                await transaction.rollback()
    finally:
        await engine.dispose()
