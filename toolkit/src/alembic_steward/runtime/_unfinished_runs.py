"""A migration run the database is not past, as the start-up guard and `wait` see it: one
running now (it holds the migration lock: waiting helps), or a MySQL/MariaDB run that stopped
half-way (its mark is left and no run holds the lock: no waiting helps, a repair does).

Asked only where the database is not where this code runs (runtime/_up_to_date.py), so a
database at head costs nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alembic_steward.runtime._advice import command_words

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.runtime._schema_fit import SchemaFit


@dataclass(frozen=True)
class UnfinishedRun:
    """A migration run the database is not past: one running now, or one that stopped."""

    line: str
    # Running now: waiting for it helps; a MySQL/MariaDB run that stopped half-way: no wait does.
    running: bool


def unfinished_run(database_url: str | None, fit: SchemaFit) -> UnfinishedRun | None:
    """Where the database is not where this code runs (and only then, so a database at head
    costs nothing more): a migration run going on now, or a MySQL/MariaDB run that stopped
    half-way, which no upgrade can go past until it is repaired; None when neither."""
    from alembic_steward.runtime._up_to_date import read_database

    if fit.runs:
        return None
    holder, after, current = read_database(database_url, read_unfinished_run)
    if holder is not None:
        from alembic_steward.runtime._running_migration import running_line

        waits = command_words("db.wait --head", "wait")
        then = f"start the service (`{waits}` waits for that)"
        return UnfinishedRun(running_line(holder, current, then), running=True)
    if after is None:
        return None
    line = (
        f"a migration run stopped half-way after revision {after} (MySQL/MariaDB cannot roll"
        " DDL back), so no upgrade can run until it is repaired; `inv db.status` (exit 7) says"
        " how, from the project's checkout"
    )
    return UnfinishedRun(line, running=False)


def read_unfinished_run(connection: Connection) -> tuple[str | None, str | None, list[str]]:
    """(the run holding the migration lock now, a MySQL/MariaDB mark, the version table)."""
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.inspection._database_state import half_applied_mark
    from alembic_steward.runtime._running_migration import running_migration

    # The lock asked both before and after the mark is read: a run holds it for as long as its
    # mark exists, so a mark whose run ended in between is not taken for a stopped one.
    holder = running_migration(connection)
    after = half_applied_mark(connection)
    holder = holder or (running_migration(connection) if after is not None else None)
    return holder, after, list(MigrationContext.configure(connection).get_current_heads())
