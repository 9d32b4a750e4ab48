"""The rows of every table, kept current step by step, to see what a downgrade loses.

The stairway reads each table's rows before a revision's upgrade, after it and after its
downgrade. A value the upgrade kept must come back from the downgrade unchanged, and a row it
kept must still be there: a downgrade that drops and re-adds a column, casts it through a type
that loses digits, or rewrites it, is caught with the schema restored. What the upgrade itself
removed (a dropped column or table, a deleted row) is not the downgrade's to give back. Like
the schema snapshots, only the tables a step's statements may have written are read again
(testing/_ddl_targets.py), plus the tables whose foreign keys refer to them (a cascade), so the
walk stays linear; values are the driver's own, compared within one database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, event, literal_column, select
from sqlalchemy import table as sa_table

from alembic_steward.testing._ddl_targets import rows_written_by
from alembic_steward.testing._described import Described
from alembic_steward.testing._schema_snapshot import Snapshot


@dataclass(frozen=True)
class TableRows:
    """One table's rows as the driver returns them, and the columns that identify a row."""

    columns: tuple[str, ...]
    key: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]

    def by_key(self, key: tuple[str, ...]) -> dict[tuple, dict[str, Any]] | None:
        """The rows by the values of ``key``'s columns; None when this table lacks one."""
        if any(column not in self.columns for column in key):
            return None
        return {tuple(comparable(row[c]) for c in key): row for row in self.rows}


class RowWatch:
    """The rows of one connection's tables as last read, kept current step by step."""

    def __init__(self, connection: Connection, snapshot: Snapshot) -> None:
        self.connection = connection
        self.recording = False
        self.statements: list[str] = []
        self.tables: dict[str, TableRows] = {}
        event.listen(connection, "before_cursor_execute", self.record)
        self.read(snapshot, snapshot.tables())

    def record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.recording:
            self.statements.append(statement)

    def refresh(self, snapshot: Snapshot) -> dict[str, TableRows]:
        """Read again the tables the statements recorded since the last refresh may have written."""
        statements, self.statements = self.statements, []
        tables = snapshot.tables()
        written = rows_written_by(statements, snapshot.dialect, snapshot.index_table)
        written = set(tables) if written is None else snapshot.matching(written)
        written |= snapshot.referrers(written)
        self.tables = kept = {name: rows for name, rows in self.tables.items() if name in tables}
        return self.read(snapshot, (written & tables) | (tables - kept.keys()))

    def read(self, snapshot: Snapshot, names: set[str]) -> dict[str, TableRows]:
        """Read ``names`` afresh (our own reads: no step is recording) and commit the reads."""
        tables = dict(self.tables)  # a new mapping: a caller may hold the old one to compare
        for name in sorted(names):
            tables[name] = read_rows(self.connection, name, snapshot.owners.get(name))
        if self.connection.in_transaction():
            self.connection.commit()
        self.tables = tables
        return tables

    def empty(self, names: set[str]) -> set[str]:
        return {name for name in names if name in self.tables and not self.tables[name].rows}

    def close(self) -> None:
        event.remove(self.connection, "before_cursor_execute", self.record)


def read_rows(connection: Connection, name: str, described: Described | None) -> TableRows:
    with never_prepared(connection):
        result = connection.execute(select(literal_column("*")).select_from(sa_table(name)))
        columns = tuple(result.keys())
        rows = tuple(dict(zip(columns, row, strict=True)) for row in result)
    return TableRows(columns, row_key(described, columns) or columns, rows)


@contextmanager
def never_prepared(connection: Connection) -> Iterator[None]:
    """Run without server-side prepared statements on psycopg (no-op on other drivers).

    psycopg prepares a query from its fifth run on. The same `SELECT *` of a table whose columns
    a step changed (an enum type dropped and made again) would then fail: "cached plan must not
    change result type".
    """
    driver = connection.connection.driver_connection
    if not hasattr(driver, "prepare_threshold"):
        yield
        return
    threshold, driver.prepare_threshold = driver.prepare_threshold, None
    try:
        yield
    finally:
        driver.prepare_threshold = threshold


def row_key(described: Described | None, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The primary key's columns as the rows name them (SQLite's catalog lowers names)."""
    by_name = {column.lower(): column for column in columns}
    key = described.primary_key if described is not None else ()
    found = tuple(column if column in columns else by_name.get(column.lower()) for column in key)
    return () if None in found else found


def comparable(value: Any) -> Any:
    """``value`` in a form equal across the types one value passes through (JSON, numbers)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), sort_keys=True, default=str)
        except ValueError:
            return value
    if isinstance(value, memoryview):
        return bytes(value)
    return str(value) if value is not None and not isinstance(value, (str, bytes)) else value


def data_lost(
    before: Mapping[str, TableRows],
    upgraded: Mapping[str, TableRows],
    downgraded: Mapping[str, TableRows],
) -> list[str]:
    """What the upgrade kept and the downgrade did not give back, one line per value or row."""
    lines = []
    for name, old in before.items():
        new = downgraded.get(name)
        if new is None or new is old or name not in upgraded:
            continue  # dropped by the upgrade, or never read again: nothing written there
        kept, now = upgraded[name].by_key(old.key), new.by_key(old.key)
        if kept is None or now is None:
            continue  # the key itself changed: the schema comparison reports it
        columns = [c for c in old.columns if c in upgraded[name].columns and c in new.columns]
        for key, row in old.by_key(old.key).items():
            if key not in kept:
                continue
            label = f"{name} row {', '.join(f'{c}={row[c]!r}' for c in old.key)}"
            if key not in now:
                lines.append(f"{label} is gone")
                continue
            for column in columns:
                was, is_now = row[column], now[key][column]
                if comparable(was) == comparable(kept[key][column]) and was != is_now:
                    lines.append(f"{label}: {column} was {was!r}, is now {is_now!r}")
    return lines
