"""Warn, as a SQLite upgrade runs, when a revision's batch operation recreates a table without
a trigger or an index made by hand, or makes an index again without its DESC order or COLLATE
(inspection/_lost_objects.py says why it is lost); as a downgrade runs, keep what its batch
copies lose the same way, for the downgrade's own check to blame on it.

Nothing fails when it happens and every later comparison agrees with it, so a run is where the
user can still hear of it: `inv db.upgrade` prints the warning, a tenant's row carries it in its
detail. The cost is one read of sqlite_master per batch-recreated table, when Alembic creates its
`_alembic_tmp_<table>` copy and after the step; none for a step without a batch operation.
Scratch builds stay quiet: the checks built on them (the stairway, `inv db.revision`) name the
same loss themselves.
"""

from __future__ import annotations

import re
import sys
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from alembic_steward.inspection._lost_objects import (
    LostObject,
    dropped_by_name,
    named_columns,
    rebuild_takes,
)
from alembic_steward.inspection._names_in_text import names

if TYPE_CHECKING:
    from sqlalchemy import Connection

# `CREATE TABLE _alembic_tmp_users (`, the name quoted or not.
BATCH_COPY = re.compile(r"^\s*CREATE\s+TABLE\s+[\"`\[]?_alembic_tmp_(\w+)", re.IGNORECASE)
OWNED = (
    "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index')"
    " AND lower(tbl_name) = lower(?) AND sql IS NOT NULL"
)
# The warnings of the run in progress, for a tenant's row (runtime/_tenant_runs.py).
_WARNINGS: ContextVar[list[str] | None] = ContextVar("alembic_steward_batch_losses", default=None)
# What the downgrade in progress lost the same way, for its own check to blame.
_DOWNGRADE_LOSSES: ContextVar[list[tuple[str, LostObject]] | None] = ContextVar(
    "alembic_steward_downgrade_batch_losses", default=None
)
# What the batch copies met, for the run's `lost:` lines (runtime/_hand_object_losses.py).
_AT_COPY: ContextVar[dict[tuple[str, str], tuple[str, str]] | None] = ContextVar(
    "alembic_steward_batch_copy_definitions", default=None
)


def collect_warnings() -> list[str]:
    """Start collecting this context's warnings; the list returned fills as the run goes."""
    collected: list[str] = []
    _WARNINGS.set(collected)
    return collected


def collect_copy_definitions() -> dict[tuple[str, str], tuple[str, str]]:
    """Start collecting what this context's batch copies meet: (kind, lower-case name) ->
    (table, CREATE statement) of each trigger and index on a table as it stood when its copy
    was made, after a RENAME of the table rewrote it; the dict returned fills as the run goes.
    That statement, not one read before the run, is what makes a lost object again after it."""
    collected: dict[tuple[str, str], tuple[str, str]] = {}
    _AT_COPY.set(collected)
    return collected


def note_copy(
    found: dict[tuple[str, str], tuple[str, str]] | None,
    table: str,
    objects: dict[tuple[str, str], str],
) -> None:
    """Note in ``found`` the ``objects`` (owned) of ``table`` as its batch copy met them."""
    if found is not None:
        for (kind, name), definition in objects.items():
            found[(kind, name.lower())] = (table, definition)


class CopyDefinitions:
    """A statement listener on a connection noting what each batch copy meets, as
    :func:`collect_copy_definitions` says; for a run with no watch (status's trial on a copy of
    the schema, inspection/_sqlite_schema_copy.py)."""

    def __init__(self, connection: Connection) -> None:
        from sqlalchemy import event

        self.found: dict[tuple[str, str], tuple[str, str]] = {}
        self.connection = connection
        event.listen(connection, "before_cursor_execute", self.record)

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self.connection, "before_cursor_execute", self.record)

    def record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        copied = BATCH_COPY.match(statement)
        if copied:
            note_copy(self.found, copied.group(1), owned(conn, copied.group(1)))


class BatchLossWatch:
    """An ``on_version_apply`` callback (and a statement listener) for a SQLite connection."""

    def __init__(self, connection: Connection) -> None:
        from sqlalchemy import event

        self.before: dict[str, tuple[dict[tuple[str, str], str], set[str]]] = {}
        self.statements: list[str] = []
        # What the run's upgrades lost: said once it ends, unless a later step made it again.
        self.lost: list[tuple[str, str, LostObject, str]] = []
        self.connection = connection
        event.listen(connection, "before_cursor_execute", self.record)

    def close(self) -> None:
        """Stop listening (the connection may run more: a tenant's reads, another run), and
        warn of what the run lost and still lacks."""
        from sqlalchemy import event

        event.remove(self.connection, "before_cursor_execute", self.record)
        lost, self.lost = self.lost, []
        for name, revision, object_lost, definition in lost:
            if not made_again(self.connection, object_lost, definition):
                warn(object_lost.ran_line(name, revision, definition))

    def record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)
        copied = BATCH_COPY.match(statement)
        if copied and copied.group(1) not in self.before:
            table = copied.group(1)
            self.before[table] = (owned(conn, table), columns(conn, table))
            note_copy(_AT_COPY.get(), table, self.before[table][0])

    def __call__(self, *, ctx: Any, step: Any, **_: Any) -> None:
        before, statements = self.before, self.statements
        self.before, self.statements = {}, []
        if not before:
            return
        revision = step.up_revision
        name = f"revision {revision.revision} ({(revision.doc or '').strip()})"
        for lost, definition in batch_losses(ctx.connection, before, "\n".join(statements)):
            if step.is_upgrade:
                self.lost.append((name, revision.revision, lost, definition))
            else:
                remember_downgrade_loss(revision.revision, lost)


def batch_losses(
    connection: Any, before: dict[str, tuple[dict[tuple[str, str], str], set[str]]], sql: str
) -> list[tuple[LostObject, str]]:
    """What the batch copies of the tables in ``before`` (their objects and columns before the
    copy) lost, each with its CREATE statement: an object gone that ``sql`` (the step's) does
    not drop by name, or an index made again without its DESC order or COLLATE."""
    found = []
    for table, (objects, old_columns) in before.items():
        kept = owned(connection, table)
        removed = old_columns - columns(connection, table)
        for (kind, object_name), definition in objects.items():
            loses = ""
            if dropped_by_name(sql, kind, object_name):
                continue  # the step's own statement: made again as it meant, or meant gone
            if (kind, object_name) in kept:
                loses = rebuild_takes(definition, kept[(kind, object_name)])
                if not loses:
                    continue
            elif kind == "index" and any(names(definition, column) for column in removed):
                continue  # the column it was on went, and took it
            gone = named_columns(definition, removed)
            subject = f"{table}.{object_name}"
            lost = LostObject(kind, subject, table, True, gone=gone, loses=loses)
            found.append((lost, definition))
    return found


def made_again(connection: Any, lost: LostObject, definition: str) -> bool:
    """Whether the table has ``lost`` again at the end of the run, as ``definition`` made it (a
    later revision of the run made it again); False when the run left nothing to read."""
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    kind, name = lost.kind, lost.subject.split(".", 1)[-1]
    try:
        now = owned(connection, lost.table).get((kind, name))
    except (sqlite3.Error, SQLAlchemyError):
        return False
    return now is not None and not rebuild_takes(definition, now)


def collect_downgrade_losses() -> list[tuple[str, LostObject]]:
    """Start collecting what this context's downgrade steps' batch copies lose: (the reverted
    revision, what it lost); the list returned fills as the run goes. The downgrade's own
    check (tasks/_downgrade_result.py) then blames that downgrade() for them."""
    collected: list[tuple[str, LostObject]] = []
    _DOWNGRADE_LOSSES.set(collected)
    return collected


def downgrade_losses() -> list[tuple[str, LostObject]]:
    """What the last downgrade collected in this context lost (collect_downgrade_losses)."""
    return list(_DOWNGRADE_LOSSES.get() or [])


def remember_downgrade_loss(revision: str, lost: LostObject) -> None:
    collected = _DOWNGRADE_LOSSES.get()
    if collected is not None:
        collected.append((revision, lost))


def owned(connection: Any, table: str) -> dict[tuple[str, str], str]:
    """The triggers and hand-made indexes on ``table``: (kind, name) -> its CREATE statement."""
    rows = raw(connection, OWNED, (table,))
    return {(kind, name): sql for kind, name, sql in rows}


def columns(connection: Any, table: str) -> set[str]:
    return {row[1].lower() for row in raw(connection, f"PRAGMA table_info('{table}')", ())}


def raw(connection: Any, query: str, parameters: tuple) -> list[tuple]:
    """Rows read on the driver's own cursor: no statement event, no effect on the run's."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(query, parameters)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def warn(line: str) -> None:
    collected = _WARNINGS.get()
    if collected is not None:
        collected.append(line)
    print(f"warning: {line}", file=sys.stderr)
