"""Remember which environment a database belongs to, so a laptop cannot wipe production by mistake.

The first migration from an empty database records `APP_ENV` in a one-row table, as Rails does
in `ar_internal_metadata`; destructive tasks check both `APP_ENV` and that record.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

ENVIRONMENT_TABLE = "alembic_environment"


def record_on_first_migration(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    """Record `APP_ENV` when a migration upgrades from an empty history (``on_version_apply``)."""
    # Only a step from base is a first migration; checking every step would cost a query each.
    if ctx.as_sql or not step.is_upgrade or step.source_revision_ids:
        return
    from alembic_steward._wiring import get_settings

    record_environment(ctx.connection, get_settings().environment.value)


# One Table for the process: SQLAlchemy keeps each statement's compiled form per Table, so
# every run (each tenant of a fan-out) reuses what the first compiled.
@functools.cache
def environment_table() -> Any:
    """Describe the one-row table that holds the recorded environment."""
    from sqlalchemy import Column, MetaData, String, Table

    return Table(ENVIRONMENT_TABLE, MetaData(), Column("environment", String(64), primary_key=True))


def record_environment(connection: Connection, environment: str) -> None:
    """Store ``environment`` unless the database already names one; the first record wins."""
    from sqlalchemy import select

    table = environment_table()
    table.create(connection, checkfirst=True)
    if connection.execute(select(table.c.environment)).scalar() is None:
        connection.execute(table.insert().values(environment=environment))


def recorded_environment(connection: Connection) -> str | None:
    """Return the environment recorded in the database, or None when there is none."""
    from sqlalchemy import inspect, select

    if not inspect(connection).has_table(ENVIRONMENT_TABLE):
        return None
    return connection.execute(select(environment_table().c.environment)).scalar()
