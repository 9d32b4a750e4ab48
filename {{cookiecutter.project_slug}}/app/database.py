"""The engine and sessions the service talks to its database through."""

from __future__ import annotations

import functools
{% if cookiecutter.use_async %}
from alembic_steward import sqlite_busy_timeout
from sqlalchemy import Engine, create_engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.settings import get_settings


def create_app_engine(url: str) -> AsyncEngine:
    """Create an asyncio engine for ``url`` (already given its asyncio driver by settings)."""
    return create_async_engine(url, connect_args=sqlite_busy_timeout(url))


@functools.cache
def get_engine() -> AsyncEngine:
    """Create the process-wide engine on first use, from ``DATABASE_URL``."""
    return create_app_engine(get_settings().database_url)


@functools.cache
def get_session_factory() -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: an expired attribute would need an implicit (blocking) refresh.
    return async_sessionmaker(get_engine(), expire_on_commit=False)


def new_session() -> AsyncSession:
    """Open a session; use it as ``async with new_session() as session: ...``."""
    return get_session_factory()()


@functools.cache
def get_blocking_engine() -> Engine:
    """A blocking engine on the same database, for the `inv db.*` tasks, which are not async."""
    return create_engine(get_settings().blocking_database_url)
{%- else %}
from alembic_steward import sqlite_busy_timeout
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.settings import get_settings


def create_app_engine(url: str) -> Engine:
    """Create an engine for ``url`` (already given its driver by settings)."""
    return create_engine(url, connect_args=sqlite_busy_timeout(url))


@functools.cache
def get_engine() -> Engine:
    """Create the process-wide engine on first use, from ``DATABASE_URL``."""
    return create_app_engine(get_settings().database_url)


@functools.cache
def get_session_factory() -> sessionmaker[Session]:
    return sessionmaker(get_engine())


def new_session() -> Session:
    """Open a session; use it as ``with new_session() as session: ...``."""
    return get_session_factory()()


def get_blocking_engine() -> Engine:
    """The engine the `inv db.*` tasks use: the app's own, which is already blocking."""
    return get_engine()
{%- endif %}
