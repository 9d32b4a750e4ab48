"""Remember which environment a database belongs to, so a laptop cannot wipe production by mistake.

The first migration from an empty database records `APP_ENV` in a one-row table, as Rails does
in `ar_internal_metadata`; destructive tasks check both `APP_ENV` and that record. An offline
script records the `APP_ENV` it was generated with, on every dialect, and says so in a comment
line above the record (docs/decisions.md, "An offline script records the environment it was
generated for").
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

ENVIRONMENT_TABLE = "alembic_environment"


def record_on_first_migration(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    """Record `APP_ENV` when a migration upgrades from an empty history (``on_version_apply``);
    an offline script records the `APP_ENV` it was generated with, saying so in a comment."""
    # Only a step from base is a first migration; checking every step would cost a query each.
    if not step.is_upgrade or step.source_revision_ids:
        return
    from alembic_steward._wiring import get_settings

    environment = get_settings().environment.value
    if ctx.as_sql:
        write_record(ctx, environment)
    else:
        record_environment(ctx.connection, environment)


def script_note(environment: str) -> str:
    """The comment line an offline script holds above the record of its environment."""
    return (
        f"-- alembic_environment records {environment!r}: the APP_ENV this script was"
        " generated with (set APP_ENV to the target database's environment to generate it)"
    )


def write_record(ctx: Any, environment: str) -> None:
    """Write into an offline script what ``record_environment`` does: the script cannot read
    the database it will be applied to, so its INSERT keeps a record already there."""
    from sqlalchemy import exists, literal, select
    from sqlalchemy.schema import CreateTable

    from alembic_steward.runtime._offline_bookkeeping import write

    table = environment_table()
    ctx.impl.static_output(script_note(environment))
    write(ctx, CreateTable(table, if_not_exists=True))
    missing = select(literal(environment)).where(~exists(select(table.c.environment)))
    write(ctx, table.insert().from_select(["environment"], missing))


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
