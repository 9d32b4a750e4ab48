"""Put one row into each new table before a migration runs, so it meets data as in production.

Values come from each column's type, or from tests/migration_rows.py where the team named them.
"""

from __future__ import annotations

import datetime
import itertools
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Connection, Enum, MetaData, Table, select

from tests.migration_rows import SAMPLE_VALUES

row_numbers = itertools.count(1)


class NoSampleValue(Exception):
    """A NOT NULL column whose type says nothing of what to put in it."""


def seed_tables(connection: Connection, names: Iterable[str]) -> None:
    """Insert one row into each table of ``names``, parents before children, and commit."""
    names = {name for name in names if SAMPLE_VALUES.get(name, {}) is not None}
    if not names:
        return
    metadata = MetaData()
    metadata.reflect(connection, only=sorted(names))
    with foreign_keys_enforced(connection):
        for table in metadata.sorted_tables:
            if table.name in names:
                connection.execute(table.insert().values(sample_row(connection, table)))
        connection.commit()


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


def sample_row(connection: Connection, table: Table) -> dict[str, Any]:
    """Values for one row of ``table``: the team's, else made from each column's type."""
    number = next(row_numbers)
    chosen = SAMPLE_VALUES.get(table.name) or {}
    row = {}
    for column in table.columns:
        if column.name in chosen:
            value = chosen[column.name]
            row[column.name] = value(number) if callable(value) else value
        elif not leaves_to_database(table, column):
            row[column.name] = column_value(connection, table, column, number)
    return row


def leaves_to_database(table: Table, column: Column) -> bool:
    """Whether the database fills ``column`` itself: a generated key, default or expression."""
    return (
        column is table.autoincrement_column
        or column.computed is not None
        or column.identity is not None
        or column.server_default is not None
    )


def column_value(connection: Connection, table: Table, column: Column, number: int) -> Any:
    """A value of ``column``'s type, unique to ``number``; a foreign key's points at a parent."""
    for foreign_key in column.foreign_keys:
        if foreign_key.column.table is table:
            return None
        return connection.scalar(select(foreign_key.column).limit(1))
    value = typed_value(column.type, number)
    if value is None and not column.nullable:
        raise NoSampleValue(
            f"no sample value for NOT NULL column {table.name}.{column.name} ({column.type}):"
            " name one in tests/migration_rows.py"
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
