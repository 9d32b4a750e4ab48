"""The fixture service's engines: blocking, or asyncio when its settings say so."""

from __future__ import annotations

import functools

from alembic_steward import sqlite_busy_timeout
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.settings import get_settings


def create_app_engine(url: str):
    """Create the app's engine for ``url``: asyncio when the service is asyncio."""
    if get_settings().use_async:
        from sqlalchemy.ext.asyncio import create_async_engine

        return create_async_engine(url, connect_args=sqlite_busy_timeout(url))
    return create_engine(url, connect_args=sqlite_busy_timeout(url))


@functools.cache
def get_engine():
    """Create the process-wide engine on first use, from ``DATABASE_URL``."""
    return create_app_engine(get_settings().database_url)


@functools.cache
def get_session_factory() -> sessionmaker[Session]:
    return sessionmaker(get_blocking_engine())


def new_session() -> Session:
    return get_session_factory()()


@functools.cache
def get_blocking_engine() -> Engine:
    """A blocking engine on the same database, for the `inv db.*` tasks."""
    return create_engine(get_settings().blocking_database_url)
