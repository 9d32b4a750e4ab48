"""Snapshots of a database's schema, table by table, to compare it between the stairway's steps.

A full snapshot describes every table (testing/_schema_descriptions.py). The stairway takes one
before and after every step, so describing all tables each time would make the walk quadratic
in the history's length. SchemaWatch instead records the SQL each step sends and describes
again only the tables it names (testing/_ddl_targets.py), plus the tables whose foreign keys refer
to those (a renamed parent or column shows in its children's descriptions); a statement it
cannot attribute makes it describe everything. Alembic's and the bookkeeping tables are left out.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, event

from alembic_steward.runtime._bookkeeping import include_name
from alembic_steward.testing._ddl_targets import changed_by
from alembic_steward.testing._schema_descriptions import (
    Description,
    all_names,
    describe,
    index_tables,
    referenced_tables,
)

SQLITE_DETAILS = {
    # hidden: 2 or 3 marks a generated column (its expression lives only in the table's SQL).
    "columns": "SELECT m.name, c.name, c.type, c.[notnull], c.dflt_value, c.pk, c.hidden"
    " FROM sqlite_master m JOIN pragma_table_xinfo(m.name) c WHERE m.type = 'table'",
    "indexes": "SELECT m.name, i.name, i.[unique], i.origin, i.partial, group_concat(x.name)"
    " FROM sqlite_master m JOIN pragma_index_list(m.name) i JOIN pragma_index_info(i.name) x"
    " WHERE m.type = 'table' GROUP BY m.name, i.name",
    "foreign keys": "SELECT m.name, f.id, f.[table], f.[from], f.[to], f.on_update, f.on_delete"
    " FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
    "objects": "SELECT tbl_name, type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
}


@dataclass(frozen=True)
class Snapshot:
    """A schema as table (or ``type NAME``) -> description, on one kind of database."""

    dialect: str
    tables: Mapping[str, Description]

    def table_names(self) -> set[str]:
        return {name for name in self.tables if not name.startswith("type ")}


def is_model_object(name: str) -> bool:
    if name.startswith("type "):
        return True
    return name != "alembic_version" and include_name(name, "table", {})


def described(connection: Connection, names: set[str]) -> dict[str, Description]:
    """Describe ``names``, leaving out Alembic's and the bookkeeping tables; commit the reads."""
    descriptions = describe(connection, {name for name in names if is_model_object(name)})
    if connection.in_transaction():
        connection.commit()
    return descriptions


def schema_snapshot(connection: Connection) -> Snapshot:
    """Every table, view, sequence and (PostgreSQL) enum type, described afresh."""
    return Snapshot(connection.dialect.name, described(connection, all_names(connection)))


@functools.cache
def parents(description: Description) -> frozenset[str]:
    return referenced_tables(description)


class SchemaWatch:
    """The schema of one connection as last described, kept current step by step."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.recording = False
        self.statements: list[str] = []
        event.listen(connection, "before_cursor_execute", self.record)
        self.snapshot = schema_snapshot(connection)

    def record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.recording:
            self.statements.append(statement)

    def refresh(self) -> Snapshot:
        """Describe again what the statements recorded since the last refresh may have changed."""
        statements, self.statements = self.statements, []
        tables = self.snapshot.tables
        dialect = self.connection.dialect.name
        # Which table an index is on matters only for a DROP INDEX naming the index alone.
        changed = changed_by(statements, dialect, lambda index: index_tables(tables).get(index))
        if changed is None:
            self.snapshot = schema_snapshot(self.connection)
            return self.snapshot
        if dialect == "sqlite":  # SQLite's names ignore case
            lowered = {name.lower() for name in changed}
            changed |= {name for name in tables if name.lower() in lowered}
        changed |= {name for name, description in tables.items() if parents(description) & changed}
        current = {name: value for name, value in tables.items() if name not in changed}
        current.update(described(self.connection, changed))
        self.snapshot = Snapshot(dialect, current)
        return self.snapshot

    def close(self) -> None:
        event.remove(self.connection, "before_cursor_execute", self.record)


def describe_changes(before: Snapshot, after: Snapshot) -> list[str]:
    """List, per table, what one snapshot has that the other lacks, in readable lines."""
    old, new = before.tables, after.tables
    names = sorted(
        name
        for name in old.keys() | new.keys()
        if old.get(name) is not new.get(name) and old.get(name) != new.get(name)
    )
    if before.dialect == "sqlite":
        return sqlite_changes(old, new, names)
    changes = []
    for name in names:
        lost = old.get(name, frozenset()) - new.get(name, frozenset())
        gained = new.get(name, frozenset()) - old.get(name, frozenset())
        lines = [f"{row[0]} lost {row[1:]}" for row in sorted(lost, key=repr)]
        lines += [f"{row[0]} gained {row[1:]}" for row in sorted(gained, key=repr)]
        changes.append(f"{name}: {'; '.join(lines)}")
    return changes


def sqlite_changes(old: Mapping, new: Mapping, names: list[str]) -> list[str]:
    """Compare SQLite's tables column by column: batch mode may rebuild a table in other words."""
    if not names:
        return []
    before = sqlite_details([old[name] for name in names if name in old])
    after = sqlite_details([new[name] for name in names if name in new])
    changes: dict[str, list[str]] = defaultdict(list)
    for kind in before:
        for row in sorted(before[kind] - after[kind], key=repr):
            changes[str(row[0])].append(f"{kind} lost {row[1:]}")
        for row in sorted(after[kind] - before[kind], key=repr):
            changes[str(row[0])].append(f"{kind} gained {row[1:]}")
    return [f"{name}: {'; '.join(lines)}" for name, lines in sorted(changes.items())]


def sqlite_details(descriptions: list[Description]) -> dict[str, frozenset[tuple]]:
    """Describe tables column by column from their CREATE statements, as SQLite reads them."""
    scratch = sqlite3.connect(":memory:")
    try:
        rows = [row for description in descriptions for row in description]
        # Tables first: an index's statement needs its table.
        for _kind, _name, sql in sorted(rows, key=lambda row: row[0] != "table"):
            if sql:
                scratch.execute(sql)
        details = {
            kind: frozenset(tuple(row) for row in scratch.execute(sql))
            for kind, sql in SQLITE_DETAILS.items()
        }
    finally:
        scratch.close()
    # SQLite's pragmas say nothing of CHECK constraints or collations: read the statements.
    details["checks and collations"] = frozenset(
        (row[1], *clause)
        for row in rows
        if row[0] == "table" and row[2]
        for clause in sqlite_clauses(row[2])
    )
    return details


def sqlite_clauses(create_table: str) -> set[tuple[str, ...]]:
    """The CHECK constraints and per-column collations of a CREATE TABLE statement."""
    body = create_table[create_table.index("(") + 1 : create_table.rindex(")")]
    clauses = set()
    for part in top_level_parts(body):
        words = " ".join(part.replace('"', "").replace("`", "").split())
        upper = words.upper()
        if "CHECK" in upper:
            clauses.add(("check", words[upper.index("CHECK") :]))
        first = upper.split(" ", 1)[0]
        if " COLLATE " in upper and first not in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN"):
            collation = words[upper.index(" COLLATE ") + 9 :].split(" ", 1)[0]
            clauses.add(("collation", words.split(" ", 1)[0], collation))
    return clauses


def top_level_parts(body: str) -> list[str]:
    """Split a table's definition at the commas outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for index, character in enumerate(body):
        if quote:
            quote = "" if character == quote else quote
        elif character in "'\"`":
            quote = character
        elif character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == "," and depth == 0:
            parts.append(body[start:index])
            start = index + 1
    parts.append(body[start:])
    return parts
