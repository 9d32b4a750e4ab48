"""SQLite: the statements that undo hand additions only a rebuild of their table undoes.

SQLite has no DROP CONSTRAINT, and its ALTER TABLE DROP COLUMN refuses a column that a table
CHECK, a UNIQUE or PRIMARY KEY constraint, a foreign key or an index names. A hand column
added with its own CHECK drops; the same column after a batch revision copied the table (the
copy writes the CHECK at table level) does not (`error in table items after drop column: no
such column: note`), so "drop them by hand" could not be followed. Whether a plain drop works
is told by doing it on an in-memory copy of the schema (as inspection/_sqlite_trigger_failures.py
asks SQLite), not by rules. Where it does not, the table is rebuilt the way the revisions' own
batch mode rebuilds one (Alembic's `batch_alter_table`, its statements written out, not run,
from the live table reflected: the same copy, rows kept), dropping the added columns and
constraints; the table's indexes and triggers its copy does not make again (an expression
index, which reflection skips; every trigger) are made again from their own statements. The
advice gives these statements as one sqlite3 script, foreign keys off while the table is gone
and the legacy RENAME, which does not refuse a view over the table while it is being swapped.
"""

from __future__ import annotations

import io
import re
import sqlite3
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

# A comment kept whole and a string's spaces kept, as the catalog writes definitions.
from alembic_steward.catalog._one_line_sql import one_line
from alembic_steward.inspection._sqlite_trigger_failures import quoted

if TYPE_CHECKING:
    from sqlalchemy import Connection

SCHEMA = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"

# The kinds of addition a statement of their own drops; the others need the rebuild.
PLAIN_DROPS = {"index": "DROP INDEX", "view": "DROP VIEW", "trigger": "DROP TRIGGER"}
# The constraint kinds batch mode drops (Alembic's `type_`), by the catalog's kind.
CONSTRAINT_TYPES = {
    "check constraint": "check",
    "unique constraint": "unique",
    "foreign key": "foreignkey",
}
ADDITION = re.compile(
    r"^(column|index|view|trigger|check constraint|unique constraint|foreign key|primary key)"
    r" (.+)$"
)


def plain_drop(kind: str, subject: str) -> str | None:
    """The statement that drops addition ``kind`` ``subject`` alone, or None (a constraint)."""
    table, _, name = subject.rpartition(".")
    if kind == "column":
        return f"ALTER TABLE {quoted(table)} DROP COLUMN {quoted(name)}"
    if kind in PLAIN_DROPS:
        return f"{PLAIN_DROPS[kind]} {quoted(name)}"
    return None


class SqliteDrops(NamedTuple):
    """The statements, one sqlite3 script, that drop the hand additions; whether they rebuild
    a table (else plain drops, an added column's constraints going with it)."""

    script: str
    rebuilds: bool


def schema_after(rows: Sequence[tuple[str, str, str, str]], drops: Sequence[str]) -> str | None:
    """The statements of what an in-memory copy of the schema ``rows`` (sqlite_master's type,
    name, tbl_name, sql) holds after ``drops``, run in order; None when SQLite refuses one."""
    copy = sqlite3.connect(":memory:")
    try:
        for _kind, _name, _table, sql in rows:
            copy.execute(sql)  # not copied (a virtual table's module missing): no recipe
        for statement in drops:
            copy.execute(statement)
        return " ".join(row[0] for row in copy.execute(SCHEMA) if row[0])
    except sqlite3.Error:
        return None
    finally:
        copy.close()


def sqlite_rebuild_recipe(connection: Connection, additions: Sequence[str]) -> SqliteDrops | None:
    """The sqlite3 script that drops ``additions`` (`column items.note`, as status names them):
    plain drops when they take their constraints too, else a rebuild of their table; None when
    none is a constraint and plain drops work (the plain advice stands), when ``connection``
    is not SQLite's, or when an addition cannot be read."""
    from alembic_steward.inspection._sqlite_schema_copy import schema_entries

    if connection.dialect.name != "sqlite":
        return None
    parsed = [ADDITION.match(addition) for addition in additions]
    if not all(parsed):
        return None
    found = [(match[1], match[2]) for match in parsed if match]
    began = not connection.in_transaction()
    try:
        rows = schema_entries(connection)
        drops = [plain_drop(kind, subject) for kind, subject in found]
        plain = [drop for drop in drops if drop]
        left = schema_after(rows, plain)
        constraints = [subject for (_, subject), drop in zip(found, drops, strict=True) if not drop]
        if left is not None and not constraints:
            return None
        if left is not None and not any(named_constraint(left, each) for each in constraints):
            return SqliteDrops("; ".join(plain) + ";", rebuilds=False)
        return SqliteDrops(rebuild_script(connection, rows, found), rebuilds=True)
    except Exception:  # noqa: BLE001 - no recipe: the plain advice stands
        return None
    finally:
        if began:
            connection.rollback()  # a read: the connection is left as it was handed in


def named_constraint(schema: str, subject: str) -> bool:
    """Whether ``schema`` (CREATE statements) still makes the constraint ``subject``
    (`items.ck_items_note_hand`); an unnamed one (no name to look for) counts as kept."""
    name = subject.rpartition(".")[2]
    if not name or name.startswith("("):
        return True
    pattern = rf"\bCONSTRAINT\s+[\"`\[]?{re.escape(name)}(?![\w$])"
    return re.search(pattern, schema, re.IGNORECASE) is not None


def rebuild_script(
    connection: Connection,
    rows: Sequence[tuple[str, str, str, str]],
    found: Sequence[tuple[str, str]],
) -> str:
    """The script: each table with an added column or constraint rebuilt without them, the
    added indexes, views and triggers of other tables dropped alone."""
    tables: dict[str, list[tuple[str, str]]] = {}
    plain = []
    for kind, subject in found:
        table, _, name = subject.rpartition(".")
        if kind in PLAIN_DROPS:
            plain.append(plain_drop(kind, subject))
        else:
            tables.setdefault(table, []).append((kind, name))
    added = {(kind, subject.rpartition(".")[2].lower()) for kind, subject in found}
    statements = [statement for statement in plain if statement]
    for table, dropped in tables.items():
        statements += rebuilt_table(connection, table, dropped)
        # What the copy does not make again: made from its own statement, unless added.
        made = " ".join(statements).lower()
        for kind, name, owner, sql in rows:
            again = kind in ("index", "trigger") and owner.lower() == table.lower()
            if again and (kind, name.lower()) not in added and not made_by(made, kind, name):
                statements.append(one_line(sql))
    body = "; ".join(statements)
    return (
        "PRAGMA foreign_keys=OFF; PRAGMA legacy_alter_table=ON; BEGIN;"
        f" {body}; COMMIT; PRAGMA legacy_alter_table=OFF; PRAGMA foreign_keys=ON;"
    )


def rebuilt_table(connection: Connection, table: str, dropped: Sequence[tuple[str, str]]) -> list:
    """Batch mode's statements that copy ``table`` without ``dropped`` (kind, name)."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import MetaData, Table

    from alembic_steward.inspection._reflection_warnings import ignore_skipped_expression_indexes

    with warnings.catch_warnings():
        ignore_skipped_expression_indexes()  # made again from its own statement
        reflected = Table(table, MetaData(), autoload_with=connection)
    written = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="sqlite", opts={"as_sql": True, "output_buffer": written}
    )
    operations = Operations(context)
    with operations.batch_alter_table(table, copy_from=reflected, recreate="always") as batch_op:
        for kind, name in dropped:
            if kind in CONSTRAINT_TYPES:
                batch_op.drop_constraint(name, type_=CONSTRAINT_TYPES[kind])
        for kind, name in dropped:
            if kind == "column":
                batch_op.drop_column(name)
            elif kind not in CONSTRAINT_TYPES:
                raise ValueError(f"{kind} {name}: no batch operation drops it")
    # Alembic ends each statement with `;` and a blank line (a `;` in a literal does not).
    parts = re.split(r";[ \t]*\n\s*\n", written.getvalue())
    return [one_line(part).removesuffix(";") for part in parts if part.strip()]


def made_by(script: str, kind: str, name: str) -> bool:
    """Whether ``script`` (lower case) makes the index or trigger ``name``."""
    return f"{kind} {name.lower()} " in script or f"{kind} {quoted(name.lower())} " in script
