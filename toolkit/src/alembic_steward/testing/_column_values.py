"""What to write into a column: the SQLAlchemy type that stores a value the way the database
does, and sample values of it, per dialect.

A reflected type says how a database stores a column, not what the column means: MariaDB's
JSON is LONGTEXT with a `json_valid` CHECK, a Boolean is TINYINT(1) on MySQL and an integer
with a CHECK on SQLite, a Uuid is CHAR(32) where there is no native type, an Interval a
DATETIME. So the type a value goes through is chosen from the reflected type, the table's
CHECKs and the value itself, and SQLAlchemy's own type makes the Python value (a bool, a dict,
a timedelta, a uuid) into what that dialect stores: the team's values and ours alike.
"""

from __future__ import annotations

import datetime
import enum
import re
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    String,
    Uuid,
)
from sqlalchemy.types import TypeEngine

from alembic_steward.testing._check_constraints import Check

START = datetime.datetime(2000, 1, 1)
# PostgreSQL types with no Python type of their own, by their SQLAlchemy name: text it parses.
POSTGRESQL_TEXT = {
    "INET": lambda n: f"192.0.2.{n % 250 + 1}",
    "CIDR": lambda n: f"10.{n % 250}.0.0/16",
    "MACADDR": lambda n: f"08:00:2b:01:{n // 256 % 256:02x}:{n % 256:02x}",
    "MACADDR8": lambda n: f"08:00:2b:01:02:03:{n // 256 % 256:02x}:{n % 256:02x}",
    "TSVECTOR": lambda n: f"v{n}",
    "MONEY": lambda n: f"{n}.25",
    "INT4RANGE": lambda n: f"[{n},{n + 10})",
    "INT8RANGE": lambda n: f"[{n},{n + 10})",
    "NUMRANGE": lambda n: f"[{n},{n + 10})",
    "DATERANGE": lambda n: f"[2000-01-{n % 28 + 1:02d},2001-01-01)",
}


def write_type(column_type: TypeEngine, name: str, checks: list[Check], dialect: str):
    """The type to write column ``name`` through: what its reflected type and CHECKs mean."""
    if isinstance(column_type, (JSON, Boolean)):
        return column_type
    json_columns = set().union(*(check.json_columns() for check in checks))
    if isinstance(column_type, String) and name.lower() in json_columns:
        return JSON()  # MariaDB: LONGTEXT CHECK (json_valid(col))
    if isinstance(column_type, Integer) and holds_a_flag(column_type, name, checks, dialect):
        return Boolean()  # MySQL's BOOL is TINYINT(1); Boolean(create_constraint=True) checks
    return column_type


def holds_a_flag(column_type: TypeEngine, name: str, checks: list[Check], dialect: str) -> bool:
    if dialect in ("mysql", "mariadb") and getattr(column_type, "display_width", None) == 1:
        return True
    zero_or_one = rf"[`\"\[]?{re.escape(name)}[`\"\]]?\s+IN\s*\(\s*0\s*,\s*1\s*\)"
    return any(re.fullmatch(zero_or_one, c.expression.strip(), re.IGNORECASE) for c in checks)


def type_for_value(column_type: TypeEngine, value: Any) -> TypeEngine:
    """The type that stores the team's Python ``value`` as the column's reflected type holds it."""
    if isinstance(value, bool) and not isinstance(column_type, Boolean):
        return Boolean()  # 1/0 where the dialect has no boolean
    if isinstance(value, (dict, list)) and not isinstance(column_type, (JSON, ARRAY)):
        return JSON()  # JSON text where the column is text (MariaDB, or SQLite's TEXT)
    if isinstance(value, uuid.UUID) and not isinstance(column_type, Uuid):
        if isinstance(column_type, String) and (column_type.length or 0) >= 36:
            return UuidText()
        return Uuid()  # 32 hex digits where there is no native type
    if isinstance(value, datetime.timedelta) and isinstance(column_type, DateTime):
        return Interval()  # stored as the epoch plus the interval off PostgreSQL
    if isinstance(value, enum.Enum):
        native = isinstance(column_type, Enum) and column_type.native_enum
        name = getattr(column_type, "name", None) if native else None
        return Enum(type(value), name=name, native_enum=native, create_constraint=False)
    return column_type


class UuidText(String):
    """A uuid kept as its 36-character text, as a String(36) column written by hand holds it."""

    cache_ok = True

    def bind_processor(self, dialect):
        return lambda value: None if value is None else str(value)


def sample_value(column_type: TypeEngine, number: int, dialect: str) -> Any:
    """A value of ``column_type`` that differs with ``number``; None when none is known."""
    if isinstance(column_type, Enum) and column_type.enums:
        return column_type.enums[number % len(column_type.enums)]
    if isinstance(column_type, Boolean):
        return number % 2 == 1
    if isinstance(column_type, JSON):
        return {"row": number, "tags": [f"v{number}"]}
    if isinstance(column_type, ARRAY):
        item = sample_value(column_type.item_type, number, dialect)
        return None if item is None else [item]
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return decimal_value(column_type, number)
    if isinstance(column_type, Float):
        return number + 0.5  # exact in binary, so it reads back as written
    if isinstance(column_type, Integer):
        # MySQL's TINYINT holds up to 127, SMALLINT everywhere up to 32767.
        return number % 100 if "TINYINT" in type(column_type).__name__.upper() else number
    if isinstance(column_type, String) and getattr(column_type, "values", None):
        return column_type.values[number % len(column_type.values)]  # MySQL's SET
    if isinstance(column_type, String):
        return short_text(f"v{number}", column_type.length)
    if isinstance(column_type, LargeBinary):
        return short_text(f"b{number}", getattr(column_type, "length", None)).encode()
    if dialect == "postgresql" and type(column_type).__name__ in POSTGRESQL_TEXT:
        return POSTGRESQL_TEXT[type(column_type).__name__](number)
    return python_value(column_type, number)


def python_value(column_type: TypeEngine, number: int) -> Any:
    """A value for the types known by their Python type alone: dates, times, uuids, text."""
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return None
    made = {
        datetime.datetime: lambda: START + datetime.timedelta(days=number, seconds=number),
        datetime.date: lambda: START.date() + datetime.timedelta(days=number),
        datetime.time: lambda: datetime.time(number % 24, number % 60, number % 60),
        datetime.timedelta: lambda: datetime.timedelta(days=number, seconds=number),
        uuid.UUID: lambda: uuid.UUID(int=number),
        str: lambda: f"v{number}",
    }
    return made[python_type]() if python_type in made else None


def decimal_value(column_type: Numeric, number: int) -> Decimal:
    """A number that fits NUMERIC(precision, scale), with a fraction when the scale allows one."""
    precision, scale = column_type.precision, column_type.scale or 0
    if precision is None:
        return Decimal(number) + Decimal("0.25")
    return Decimal(number % 10**precision).scaleb(-scale)


def short_text(text: str, length: int | None) -> str:
    """``text``, cut from the left (its number is at the end) to fit ``length`` characters."""
    return text if length is None or len(text) <= length else text[-length:]


def candidates_from(check: Check, column_type: TypeEngine, number: int) -> list[Any]:
    """Values a CHECK's literals suggest for a column of ``column_type``: each, and around each."""
    found: list[Any] = []
    numbers = [Decimal(text) for text in check.numbers()]
    if isinstance(column_type, String):
        found += [s for s in check.strings() if short_text(s, column_type.length) == s]
        lengths = {int(n) + step for n in numbers for step in (0, 1) if 0 < n + step <= 1000}
        found += [f"v{number}".ljust(length, "x")[-length:] for length in sorted(lengths)]
    elif isinstance(column_type, (Integer, Numeric)):
        whole = isinstance(column_type, Integer)
        for value in numbers:
            for step in (0, 1, -1):
                found.append(int(value) + step if whole else value + step)
    elif isinstance(column_type, (Date, DateTime)):
        for text in check.strings():
            try:
                moment = datetime.datetime.fromisoformat(text)
            except ValueError:
                continue
            found.append(moment if isinstance(column_type, DateTime) else moment.date())
    else:
        found += check.strings()
    return found
