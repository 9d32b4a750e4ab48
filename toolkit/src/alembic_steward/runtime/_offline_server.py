"""Offline, render DDL the PostgreSQL server will accept, not what SQLAlchemy's newest one would.

Without a connection the dialect knows no server version, and SQLAlchemy then assumes the
newest: a ``Computed(...)`` column without ``persisted`` is written ``GENERATED ALWAYS AS (...)``
with no ``STORED``, a virtual column, which PostgreSQL before 18 rejects, while the online run
of the same revision, knowing the server, writes ``STORED``. So an offline run takes the version
the last online run on that server recorded, and without one assumes a server before 18:
``STORED`` is valid on every version that has generated columns (12 on).
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_steward._cache import keep, keyed_path

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection

# The first version with virtual generated columns, SQLAlchemy's default without a server.
VIRTUAL_COLUMNS_FROM = (18,)


def steps_for_the_server(plan_steps: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """Wrap Alembic's ``fn`` (the command's planned steps) so that an offline run on PostgreSQL
    renders for the server's version before its first step; None stays None."""
    if plan_steps is None:
        return None

    # Keeps Alembic's name for the command's planning function (runtime/_already_applied.py).
    @functools.wraps(plan_steps)
    def steps(heads: Any, migration_context: Any) -> Iterator[Any]:
        if migration_context.as_sql:
            assume_server_version(migration_context.dialect)
        yield from plan_steps(heads, migration_context)

    return steps


def assume_server_version(dialect: Any) -> None:
    """Make an offline PostgreSQL ``dialect`` render generated columns as the server reads them."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SAWarning

    from alembic_steward._wiring import get_settings

    if dialect.name != "postgresql" or dialect.server_version_info is not None:
        return
    known = recorded_server_version(make_url(get_settings().blocking_database_url))
    dialect.supports_virtual_generated_columns = known is not None and known >= VIRTUAL_COLUMNS_FROM
    # SQLAlchemy warns that it writes STORED for want of VIRTUAL: here that is the choice made.
    warnings.filterwarnings("ignore", r"Computed column .* created as 'STORED'", SAWarning)


def remember_server_version(connection: Connection) -> None:
    """Keep the PostgreSQL server's version for later offline runs; never raises."""
    version = connection.dialect.server_version_info
    if connection.dialect.name != "postgresql" or not version:
        return
    if recorded_server_version(connection.engine.url) == tuple(version):
        return
    keep(version_path(connection.engine.url), json.dumps(list(version)))


def recorded_server_version(url: URL) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in json.loads(version_path(url).read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def version_path(url: URL) -> Path:
    """The file keeping the version of ``url``'s server (its host and port, not the database)."""
    return keyed_path("server-versions", [url.get_backend_name(), url.host, url.port])
