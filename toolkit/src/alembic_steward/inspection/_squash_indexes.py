"""The `op.create_index` calls of a squashed revision, each index's key as the database has it.

SQLAlchemy's reflection loses parts of an index's key: the order of a column (`name DESC`) on
SQLite and MariaDB, a per-column collation on SQLite and PostgreSQL, and on SQLite a whole
expression index (skipped with a warning). The squashed revision built them without, and the
squash's proof refused it. Each key element is therefore read from the database's own
definition (SQLite's CREATE INDEX, PostgreSQL's pg_get_indexdef, MariaDB's STATISTICS rows) and
written as the column's name when it is one, else as `sa.text(...)` verbatim; an operator class
or a prefix length then travels inside that text, and the reflected option naming it by column
(`postgresql_ops`, `mysql_length`) is dropped.

On MySQL and MariaDB the index InnoDB made for a named foreign key is not written: the
`op.create_table` holding the foreign key makes it again, and InnoDB drops only an index it made
itself when a later index covers the foreign key. Written, it would outlive a later revision's
index in every database built from the squash, and in none upgraded through the old history.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table

QUOTES = {'"': '"', "`": "`", "[": "]", "'": "'"}
UNIQUE = re.compile(r"\s*CREATE\s+UNIQUE\b", re.IGNORECASE)
WHERE = re.compile(r"\s*WHERE\s+(.*?)\s*;?\s*$", re.IGNORECASE | re.DOTALL)
# Options that name a key element by column: carried inside a written element's text instead.
BY_COLUMN_OPTIONS = ("postgresql_ops", "mysql_length")


@contextmanager
def expression_indexes_unwarned() -> Iterator[None]:
    """SQLite's reflection skips an expression index with a warning; it is read here instead."""
    from alembic_steward.inspection._reflection_warnings import ignore_skipped_expression_indexes

    with warnings.catch_warnings():
        ignore_skipped_expression_indexes()
        yield


def index_operations(connection: Connection, table: Table) -> list[Any]:
    """One CreateIndexOp per index of ``table`` (by name), its key as the database has it."""
    from alembic.operations import ops

    dialect = connection.dialect.name
    if dialect == "sqlite":
        return sqlite_index_operations(connection, table)
    keys = (
        postgresql_keys(connection, table)
        if dialect == "postgresql"
        else mysql_keys(connection, table)
    )
    operations = []
    for index in sorted(table.indexes, key=lambda index: index.name or ""):
        elements = keys.get(index.name or "")
        plain = elements is None or all(isinstance(item, str) for item in elements)
        if dialect in ("mysql", "mariadb") and plain and made_for_a_foreign_key(index, table):
            continue
        operation = ops.CreateIndexOp.from_index(index)
        if elements is not None and not all(isinstance(item, str) for item in elements):
            operation.columns = elements
            for option in BY_COLUMN_OPTIONS:
                operation.kw.pop(option, None)
        operations.append(operation)
    return operations


def made_for_a_foreign_key(index: Any, table: Table) -> bool:
    """Whether InnoDB would make ``index`` itself for one of ``table``'s foreign keys: named
    after it, on exactly its columns, plain. An automatically named foreign key's index is
    named after its column, a name only typing it keeps: that one is written."""
    from alembic_steward.catalog._mysql import AUTOMATIC_FOREIGN_KEY

    columns = [column.name for column in index.columns]
    return not index.unique and any(
        str(key.name) == str(index.name)
        and not AUTOMATIC_FOREIGN_KEY.search(str(key.name))
        and [column.name for column in key.columns] == columns
        and len(columns) == len(index.expressions)
        and not index.kwargs.get("mysql_length")
        for key in table.foreign_key_constraints
    )


def sqlite_index_operations(connection: Connection, table: Table) -> list[Any]:
    """SQLite's indexes from their CREATE INDEX statements, expression indexes included."""
    from alembic.operations import ops
    from sqlalchemy import text
    from sqlalchemy.sql.elements import conv

    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        " AND sql IS NOT NULL ORDER BY name",
        (table.name,),
    )
    operations = []
    for name, sql in rows:
        raw, rest = key_list(sql)
        where = WHERE.match(rest)
        options = {"sqlite_where": text(where.group(1))} if where else {}
        operation = ops.CreateIndexOp(
            conv(name),  # final, as every reflected name is (rendered op.f(...))
            table.name,
            [element(table, item) for item in raw],
            unique=bool(UNIQUE.match(sql)),
            **options,
        )
        operations.append(operation)
    return operations


def postgresql_keys(connection: Connection, table: Table) -> dict[str, list[Any]]:
    """Each index's key elements as pg_get_indexdef prints them (collation, operator class and
    order included)."""
    quote = connection.dialect.identifier_preparer.quote
    name = f"{quote(table.schema)}.{quote(table.name)}" if table.schema else quote(table.name)
    rows = connection.exec_driver_sql(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %(table)s::regclass",
        {"table": name},
    )
    return {index: [element(table, item) for item in key_list(sql)[0]] for index, sql in rows}


def mysql_keys(connection: Connection, table: Table) -> dict[str, list[Any]]:
    """Each index's key elements from information_schema.STATISTICS: a descending column (or
    one indexed on a prefix) written `name(10) DESC`."""
    quote = connection.dialect.identifier_preparer.quote
    rows = connection.exec_driver_sql(
        "SELECT INDEX_NAME, COLUMN_NAME, SUB_PART, COLLATION FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = COALESCE(%(schema)s, DATABASE()) AND TABLE_NAME = %(table)s"
        " ORDER BY INDEX_NAME, SEQ_IN_INDEX",
        {"schema": table.schema, "table": table.name},
    )
    keys: dict[str, list[str]] = {}
    for index, column, sub_part, order in rows:
        part = f"({sub_part})" if sub_part else ""
        keys.setdefault(index, []).append(
            f"{quote(column)}{part}{' DESC' if order == 'D' else ''}" if column else ""
        )
    return {
        index: [element(table, item) for item in items]
        for index, items in keys.items()
        if all(items)  # an expression key part (MySQL's) has no column: reflection's stands
    }


def element(table: Table, written: str) -> Any:
    """A key element: the column's name when it is just one, else the text as written."""
    from sqlalchemy import text

    name = unquoted(written.strip())
    for column in table.columns:
        if column.name == name or (column.name.lower() == name and written == name):
            return column.name
    return text(written.strip())


def unquoted(name: str) -> str:
    if len(name) >= 2 and name[0] in QUOTES and name[-1] == QUOTES[name[0]]:
        return name[1:-1]
    return name


def key_list(definition: str) -> tuple[list[str], str]:
    """The comma-separated elements of the first parenthesised list of ``definition`` (outside
    quotes: a quoted name may hold a parenthesis), and the text after it."""
    elements: list[str] = []
    depth, quote, start = 0, "", -1
    for position, char in enumerate(definition):
        if quote:
            if char == QUOTES[quote]:
                quote = ""
        elif char in QUOTES:
            quote = char
        elif char == "(":
            depth += 1
            if depth == 1 and start < 0:
                start = position + 1
        elif char == ")":
            depth -= 1
            if depth == 0 and start >= 0:
                elements.append(definition[start:position].strip())
                return elements, definition[position + 1 :]
        elif char == "," and depth == 1 and start >= 0:
            elements.append(definition[start:position].strip())
            start = position + 1
    return elements, ""
