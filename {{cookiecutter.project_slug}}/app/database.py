"""The engine and sessions the service talks to its database through."""

from __future__ import annotations

import functools

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.settings import get_settings


@functools.cache
def get_engine() -> Engine:
    """Create the process-wide engine on first use, from ``DATABASE_URL``."""
    return create_engine(get_settings().database_url)


@functools.cache
def get_session_factory() -> sessionmaker[Session]:
    return sessionmaker(get_engine())


def new_session() -> Session:
    """Open a session; use it as ``with new_session() as session: ...``."""
    return get_session_factory()()
