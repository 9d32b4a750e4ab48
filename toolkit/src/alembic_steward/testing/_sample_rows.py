"""Put one row into each table that has none, so every migration meets data as in production.

Values come from tests/migration_rows.py where the team named them, else from each column's
type as the dialect stores it (testing/_column_values.py), chosen to pass the table's CHECKs
(testing/_check_constraints.py) and to differ from row to row, for unique constraints. Parents
get their row before their children, whose foreign keys then name it; generated columns,
identities and autoincrementing keys are left to the database. A row that cannot be written
fails in one line naming the table, the column where the database's refusal shows which, and
why.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.exc import DBAPIError, StatementError

from alembic_steward.testing._column_values import (
    candidates_from,
    sample_value,
    type_for_value,
    write_type,
)
from alembic_steward.testing._row_checks import satisfy_checks
from alembic_steward.testing._schema_snapshot import Snapshot
from alembic_steward.testing._table_shapes import Shape, table_shapes

row_numbers = itertools.count(1)
# SQLAlchemy's statement cache keys a type by its SQL, not by its Python side: an Enum of a
# Python enum class would reuse the bind processing of a plain Enum of the same labels.
UNCACHED = {"compiled_cache": None}
# A generated row that collides with another row (a unique column) is made again this often.
ATTEMPTS = 3
# The range the sample row's integer key is taken from (by its row number, in turn), by the
# key type's size: far above the ids a seed revision writes (1, 2, ...), which a sample row
# given id 1, by the row number or by the database's own counter, would collide with, and
# within what the signed type holds (TINYINT to 127, SMALLINT to 32767).
KEY_RANGES = {"TINYINT": (100, 127), "SMALLINT": (30_000, 32_767)}
KEY_RANGE = (900_000, 2_147_483_647)


def sample_key(type_name: str, number: int) -> int:
    """The key of sample row ``number`` for an integer key of type ``type_name``: within the
    type's range (KEY_RANGES), a different one for each of as many rows in turn as it holds."""
    kind = type_name.upper()
    low, high = next((span for size, span in KEY_RANGES.items() if size in kind), KEY_RANGE)
    return low + number % (high - low + 1)


class SampleRowError(Exception):
    """A table the stairway cannot put a row into; the message says which column and why."""


def seed_tables(connection: Connection, names: Iterable[str], snapshot: Snapshot) -> list[str]:
    """Insert one row into each table of ``names``, parents before children, and commit.

    ``snapshot`` (the stairway's, of the schema as it is) spares catalog queries where it
    suffices. Returns a note for each nullable column left NULL because no value of its type is
    known.
    """
    chosen = sample_values()
    tables = snapshot.tables()
    names = sorted(name for name in names if chosen.get(name, {}) is not None and name in tables)
    if not names:
        return []
    shapes = table_shapes(connection, names, snapshot)
    foreign_keys = {name: shape.foreign_keys for name, shape in shapes.items()}
    notes: list[str] = []
    with foreign_keys_enforced(connection):
        for name in parents_first(names, foreign_keys):
            table = SampleTable(name, shapes[name], connection.dialect.name)
            table.insert_row(connection, chosen.get(name) or {})
            notes += table.skipped
        connection.commit()
    return notes


def parents_first(names: list[str], foreign_keys: dict[str, list[dict]]) -> list[str]:
    """Order ``names`` so that a table comes after the tables its foreign keys refer to."""
    ordered: list[str] = []

    def visit(name: str, path: frozenset[str]) -> None:
        if name in ordered or name in path or name not in foreign_keys:
            return
        for key in foreign_keys[name]:
            visit(key["referred_table"], path | {name})
        ordered.append(name)

    for name in names:
        visit(name, frozenset())
    return ordered


@contextmanager
def foreign_keys_enforced(connection: Connection):
    """On SQLite, make the inserts obey foreign keys (off by default there) while they run."""
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        connection.commit()
    # The pragma is ignored inside a transaction: set it on the driver's connection between them.
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys = ON")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys = OFF")


class SampleTable:
    """One table as the database describes it, and how to make a row for it."""

    def __init__(self, name: str, shape: Shape, dialect: str):
        self.name = name
        self.shape = shape
        self.dialect = dialect
        self.columns = {column["name"]: column for column in shape.columns}
        self.types = {
            name: write_type(column["type"], name, shape.checks, dialect)
            for name, column in self.columns.items()
        }
        self.skipped: list[str] = []

    def insert_row(self, connection: Connection, chosen: Mapping[str, Any]) -> None:
        """Write one row; a generated one is made again when it collides with another row."""
        for attempt in range(ATTEMPTS):
            row, types = self.sample_row(connection, chosen, next(row_numbers))
            target = sa_table(self.name, *(sa_column(key, types[key]) for key in row))
            try:
                with connection.begin_nested():
                    connection.execute(target.insert().values(row), execution_options=UNCACHED)
                return
            except (DBAPIError, StatementError) as error:
                if attempt + 1 == ATTEMPTS or not self.may_collide(error, chosen):
                    raise SampleRowError(self.refusal(connection, row, types, error)) from None

    def may_collide(self, error: Exception, chosen: Mapping[str, Any]) -> bool:
        """Whether another number may help: a generated value another row already holds."""
        unique = ("unique", "duplicate")
        return len(chosen) < len(self.columns) and any(w in str(error).lower() for w in unique)

    def sample_row(
        self, connection: Connection, chosen: Mapping[str, Any], number: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Values for one row, and the type to write each through."""
        row: dict[str, Any] = {}
        types = {}
        for name, column in self.columns.items():
            if name in chosen:
                value = chosen[name]
                row[name] = value(number) if callable(value) else value
                types[name] = type_for_value(self.types[name], row[name])
            elif (key := self.key_value(column, number)) is not None:
                row[name], types[name] = key, self.types[name]
            elif not self.leaves_to_database(column) and name not in self.references():
                row[name] = self.value_for(column, number)
                types[name] = self.types[name]
        for key in self.shape.foreign_keys:
            columns = [c for c in key["constrained_columns"] if c not in chosen]
            row.update(self.parent_values(connection, key, columns))
            types.update({c: self.types[c] for c in columns})
        fixed = set(chosen) | set(self.references())
        satisfy_checks(connection, self, row, types, fixed, number)
        return row, types

    def references(self) -> set[str]:
        return {c for key in self.shape.foreign_keys for c in key["constrained_columns"]}

    def key_value(self, column: dict, number: int) -> int | None:
        """For an integer column of the primary key (not a foreign key, identity or generated
        one), a value a seed revision's rows do not take (KEY_RANGES); None for any other."""
        from sqlalchemy import Integer

        name = column["name"]
        if name not in self.shape.primary_key or name in self.references():
            return None
        if column.get("computed") or column.get("identity"):
            return None  # PostgreSQL refuses a value for GENERATED ALWAYS
        if not isinstance(self.types[name], Integer):
            return None
        return sample_key(type(self.types[name]).__name__, number)

    def leaves_to_database(self, column: dict) -> bool:
        """Whether the database numbers or computes the column itself: never written."""
        if column.get("computed") or column.get("identity"):
            return True
        if str(column.get("default") or "").startswith("nextval("):  # PostgreSQL's serial
            return True
        if self.dialect in ("mysql", "mariadb"):
            return bool(column.get("autoincrement") is True)
        # SQLite numbers a key of its own only when it is exactly INTEGER PRIMARY KEY.
        only_key = self.shape.primary_key == [column["name"]]
        return self.dialect == "sqlite" and only_key and type(column["type"]).__name__ == "INTEGER"

    def value_for(self, column: dict, number: int) -> Any:
        value = sample_value(self.types[column["name"]], number, self.dialect)
        if value is None and column["nullable"]:
            self.skipped.append(
                f"{self.name}.{column['name']} ({column['type']}) was left NULL in the stairway's"
                " rows: no sample value of its type is known; name one in "
                f"{rows_module()} to have it written"
            )
        elif value is None:
            raise SampleRowError(
                f"no sample value for NOT NULL column {self.name}.{column['name']}"
                f" ({column['type']}): name one in {rows_module()}"
            )
        return value

    def parent_values(self, connection: Connection, key: dict, columns: list[str]) -> dict:
        """The constrained ``columns`` of one foreign key, naming a row of the parent table."""
        parent = key["referred_table"]
        pairs = dict(zip(key["constrained_columns"], key["referred_columns"], strict=False))
        if not columns or parent == self.name:  # a row cannot name itself before it exists
            return {column: None for column in columns}
        referred = [sa_column(pairs[column]) for column in columns]
        found = connection.execute(select(*referred).select_from(sa_table(parent)).limit(1))
        values = found.first()
        if values is None and any(not self.columns[c]["nullable"] for c in columns):
            raise SampleRowError(
                f"cannot write the stairway's sample row into {self.name}: its column"
                f" {columns[0]} refers to {parent}, which has no row (does {rows_module()}"
                f" map {parent!r} to None?); give {parent} a row, or map {self.name!r} to None"
            )
        return dict(zip(columns, values or [None] * len(columns), strict=True))

    def candidates(self, name: str, check, number: int) -> list[Any]:
        """Values to try in column ``name`` against ``check``: ours, the check's, then NULL."""
        found = candidates_from(check, self.types[name], number)
        return found + ([None] if self.columns[name]["nullable"] else [])

    def refusal(self, connection: Connection, row: dict, types: dict, error: Exception) -> str:
        """One line saying which column the database refused, and why, and what to do."""
        reason = (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0]
        column = self.refused_column(connection, row, types)
        where = (
            f"column {column} ({self.columns[column]['type']}) refused {row[column]!r}"
            if column
            else f"the values {row!r} were refused"
        )
        return (
            f"cannot write the stairway's sample row into {self.name}: {where}: {reason};"
            f" name values for it in {rows_module()}, or map {self.name!r} to None there"
            " to leave it empty"
        )

    def refused_column(self, connection: Connection, row: dict, types: dict) -> str | None:
        """The first column whose value, replaced, lets the row in (tried, then undone).

        A column is tried with NULL where it allows one, else with a value of its own type.
        """
        for name, value in row.items():
            column = self.columns[name]
            other = None if column["nullable"] else sample_value(self.types[name], 0, self.dialect)
            if value is None or other == value or (other is None and not column["nullable"]):
                continue
            tried = {**types, name: self.types[name]}
            target = sa_table(self.name, *(sa_column(key, tried[key]) for key in row))
            try:
                with connection.begin_nested() as attempt:
                    insert = target.insert().values({**row, name: other})
                    connection.execute(insert, execution_options=UNCACHED)
                    attempt.rollback()
                return name
            except (DBAPIError, StatementError):
                continue
        return None


def sample_values() -> Mapping[str, Any]:
    """The team's own row values by table, from the wiring's ``sample_rows`` (may be none)."""
    from alembic_steward._wiring import active_steward

    return active_steward().get_sample_rows()


def rows_module() -> str:
    """Where the team's row values live, as a path: ``tests/migration_rows.py``."""
    from alembic_steward._wiring import active_steward

    module, _, attribute = active_steward().sample_rows.partition(":")
    return f"{module.replace('.', '/')}.py ({attribute})"
