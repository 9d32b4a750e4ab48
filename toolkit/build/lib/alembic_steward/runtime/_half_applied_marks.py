"""Refuse to migrate a MySQL/MariaDB database that a migration left half-way.

MySQL and MariaDB commit each DDL statement as it runs, so a migration that fails (or is
killed) half-way cannot be rolled back. Each run records itself in a one-row table before its
first migration and removes the row after its last; a row found at start-up means the last run
did not finish, and the schema must be checked by hand before Alembic touches it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    delete,
    event,
    insert,
    select,
)
from sqlalchemy import update as sql_update

MARK_TABLE_NAME = "alembic_migration_in_progress"
CLEAR_TASK = "inv db.clear-migration-mark"

mark_table = Table(
    MARK_TABLE_NAME, MetaData(), Column("after_revisions", String(255), nullable=False)
)


class MigrationHalfApplied(CommandError):
    """The last migration run on a database without transactional DDL did not finish."""


def records_half_applied_migrations(connection: Connection) -> bool:
    """Tell whether ``connection``'s database needs in-progress marks (no transactional DDL)."""
    return connection.dialect.name in ("mysql", "mariadb")


def describe_heads(heads: Iterable[str]) -> str:
    return ", ".join(sorted(heads)) or "base"


@contextmanager
def marks_connection(engine: Engine) -> Iterator[Connection]:
    """Open a connection whose every statement commits at once, apart from the migrations."""
    with engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def mark_migration_run(
    connection: Connection, script: ScriptDirectory
) -> Iterator[Callable[..., None]]:
    """Refuse if a run is marked unfinished, else mark this one until it ends without error.

    Yields an ``on_version_apply`` callback that moves the mark past each finished migration.
    A migration that fails before sending any change leaves nothing half-applied, so its run
    takes the mark away again.
    """
    changes = ChangeCounter()
    with marks_connection(connection.engine) as marks:
        mark_table.create(marks, checkfirst=True)
        unfinished = marks.scalar(select(mark_table.c.after_revisions))
        if unfinished is not None:
            raise MigrationHalfApplied(half_applied_message(unfinished, script))
        heads = MigrationContext.configure(marks).get_current_heads()
        marks.execute(insert(mark_table).values(after_revisions=describe_heads(heads)))

        def move_mark(*, heads: set[str], **_: Any) -> None:
            after = describe_heads(heads)
            marks.execute(sql_update(mark_table).values(after_revisions=after))
            changes.sent = 0

        event.listen(connection, "before_cursor_execute", changes.count)
        try:
            yield move_mark
        except BaseException:
            if not changes.sent:
                marks.execute(delete(mark_table))
            raise
        finally:
            event.remove(connection, "before_cursor_execute", changes.count)
        marks.execute(delete(mark_table))


class ChangeCounter:
    """Count the statements that may change the schema or data since the mark last moved."""

    READ_ONLY = ("SELECT", "SHOW", "DESCRIBE", "EXPLAIN")

    def __init__(self) -> None:
        self.sent = 0

    def count(self, connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        # Alembic's own reads, and its version table, change nothing a migration owns.
        words = statement.lstrip().upper()
        if not words.startswith(self.READ_ONLY) and "ALEMBIC_VERSION" not in words:
            self.sent += 1


def down_revisions(down_revision: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if isinstance(down_revision, str):
        return (down_revision,)
    return tuple(down_revision or ())


def half_applied_message(after_revisions: str, script: ScriptDirectory) -> str:
    """Say which migration may be half-applied, what to check and how to go on."""
    following = [
        revision.revision
        for revision in script.walk_revisions()
        if describe_heads(down_revisions(revision.down_revision)) == after_revisions
    ]
    suspect = ", ".join(following) or "none known"
    return (
        f"the last migration run on this database stopped after revision {after_revisions},"
        f" so the next migration ({suspect}) may be half-applied (MySQL/MariaDB cannot roll"
        f" DDL back); compare the schema with that revision's upgrade() (or, if you were"
        f" downgrading, with {after_revisions}'s downgrade()), finish or undo it by hand, then"
        f" run `{CLEAR_TASK}` and migrate again"
    )


def clear_half_applied_mark(engine: Engine) -> str | None:
    """Remove an unfinished-run mark after a repair; return what it said, or None."""
    with marks_connection(engine) as marks:
        mark_table.create(marks, checkfirst=True)
        unfinished = marks.scalar(select(mark_table.c.after_revisions))
        marks.execute(delete(mark_table))
    return unfinished
