"""Put one row into each new table before a migration runs, so it meets data as in production.

Values come from each column's type, or from tests/migration_rows.py where the team named them.
"""

from __future__ import annotations

import datetime
import itertools
import uuid
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Enum, Integer, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table

from alembic_steward.testing._schema_descriptions import Description
from alembic_steward.testing._table_shapes import table_shapes

row_numbers = itertools.count(1)


class NoSampleValue(Exception):
    """A NOT NULL column whose type says nothing of what to put in it."""


def seed_tables(
    connection: Connection,
    names: Iterable[str],
    described: Mapping[str, Description] | None = None,
) -> None:
    """Insert one row into each table of ``names``, parents before children, and commit.

    ``described`` (the stairway's snapshot) spares catalog queries where it suffices.
    """
    names = sorted(name for name in names if sample_values().get(name, {}) is not None)
    if not names:
        return
    shapes = table_shapes(connection, names, described)
    foreign_keys = {name: shape[2] for name, shape in shapes.items()}
    with foreign_keys_enforced(connection):
        for name in parents_first(names, foreign_keys):
            table = SampleTable(name, *shapes[name])
            row = table.sample_row(connection)
            target = sa_table(name, *(sa_column(key, table.types[key]) for key in row))
            connection.execute(target.insert().values(row))
        connection.commit()


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

    def __init__(self, name: str, columns: list[dict], primary_key: list[str], keys: list[dict]):
        self.name = name
        self.columns = columns
        self.types = {column["name"]: column["type"] for column in columns}
        self.primary_key = primary_key
        # Each constrained column -> the (table, column) it refers to.
        self.references = {
            column: (key["referred_table"], referred)
            for key in keys
            for column, referred in zip(
                key["constrained_columns"], key["referred_columns"], strict=False
            )
        }

    def sample_row(self, connection: Connection) -> dict[str, Any]:
        """Values for one row: the team's, else made from each column's type."""
        number = next(row_numbers)
        chosen = sample_values().get(self.name) or {}
        row = {}
        for column in self.columns:
            name = column["name"]
            if name in chosen:
                value = chosen[name]
                row[name] = value(number) if callable(value) else value
            elif not self.leaves_to_database(column, connection.dialect.name):
                row[name] = self.value_for(connection, column, number)
        return row

    def leaves_to_database(self, column: dict, dialect: str) -> bool:
        """Whether the database fills the column itself: a generated key, default or expression."""
        if column.get("default") is not None or column.get("computed") or column.get("identity"):
            return True
        generated_key = self.primary_key == [column["name"]] and isinstance(column["type"], Integer)
        # MySQL numbers a key only when it is AUTO_INCREMENT; the others always do.
        return generated_key and (dialect not in ("mysql", "mariadb") or column["autoincrement"])

    def value_for(self, connection: Connection, column: dict, number: int) -> Any:
        """A value of the column's type, unique to ``number``; a foreign key's names a parent."""
        if column["name"] in self.references:
            table, referred = self.references[column["name"]]
            if table == self.name:
                return None
            parent_row = select(sa_column(referred)).select_from(sa_table(table)).limit(1)
            return connection.scalar(parent_row)
        value = typed_value(column["type"], number)
        if value is None and not column["nullable"]:
            raise NoSampleValue(
                f"no sample value for NOT NULL column {self.name}.{column['name']}"
                f" ({column['type']}): name one in tests/migration_rows.py"
            )
        return value


def typed_value(column_type: Any, number: int) -> Any:
    if isinstance(column_type, Enum) and column_type.enums:
        return column_type.enums[0]
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return None
    start = datetime.datetime(2000, 1, 1)
    if python_type is int:
        # MySQL's TINYINT (its BOOLEAN) holds up to 127.
        return number % 100 if "TINYINT" in str(column_type).upper() else number
    made = {
        bool: lambda: False,
        float: lambda: float(number),
        Decimal: lambda: Decimal(number % 1000),
        str: lambda: short_text(number, getattr(column_type, "length", None)),
        bytes: lambda: str(number).encode(),
        datetime.datetime: lambda: start + datetime.timedelta(seconds=number),
        datetime.date: lambda: start.date() + datetime.timedelta(days=number),
        datetime.time: lambda: datetime.time(0, number % 60),
        datetime.timedelta: lambda: datetime.timedelta(seconds=number),
        uuid.UUID: lambda: uuid.UUID(int=number),
        dict: dict,
        list: list,
    }
    return made[python_type]() if python_type in made else None


def short_text(number: int, length: int | None) -> str:
    text = f"v{number}"
    return text if length is None or len(text) <= length else str(number)[-length:]


def sample_values() -> Mapping[str, Any]:
    """The team's own row values by table, from the wiring's ``sample_rows`` (may be none)."""
    from alembic_steward._wiring import active_steward

    return active_steward().get_sample_rows()
