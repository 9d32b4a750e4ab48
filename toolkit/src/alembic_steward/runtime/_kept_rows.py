"""MySQL/MariaDB: the tables whose engine keeps the rows a failed migration changed.

A rollback undoes row changes only in tables whose engine takes part in transactions (InnoDB);
MyISAM, Aria or MEMORY write each change at once, and MariaDB rolls the rest back around them.
So a failed migration that sent row changes only is said rolled back only when no table its
statements name has such an engine, as the server says: the table's engine from
information_schema.TABLES, and whether that engine does transactions from ENGINES.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

# Said in place of the tables when their engines could not be read.
ENGINES_UNREAD = "tables whose engines could not be read"
# The current database's tables whose engine does not say it does transactions (an engine the
# server does not list, or lists disabled, included: nothing says it rolls back).
NON_TRANSACTIONAL_TABLES = (
    "SELECT tables.TABLE_NAME, tables.ENGINE FROM information_schema.TABLES AS tables"
    " LEFT JOIN information_schema.ENGINES AS engines ON engines.ENGINE = tables.ENGINE"
    " WHERE tables.TABLE_SCHEMA = DATABASE() AND tables.ENGINE IS NOT NULL"
    " AND COALESCE(engines.TRANSACTIONS, 'NO') <> 'YES'"
)


def tables_keeping_rows(connection: Connection, statements: tuple[str, ...]) -> tuple[str, ...]:
    """`counts (MyISAM)` for each table ``statements`` name whose engine does not roll back;
    read on a connection of its own, so the run's stays as the state reading left it."""
    with connection.engine.connect() as reader:
        tables = reader.exec_driver_sql(NON_TRANSACTIONAL_TABLES).all()
    return tuple(
        f"{name} ({engine})"
        for name, engine in sorted(tables)
        if any(names_table(statement, name) for statement in statements)
    )


def names_table(statement: str, table: str) -> bool:
    """Whether ``statement`` names ``table`` as a whole identifier (bare, `quoted`, or after a
    schema's dot). Any mention counts, a table it only read too: that only keeps the line from
    saying rolled back, and telling a read from a write would take an SQL parser."""
    identifier = rf"(?<![\w$]){re.escape(table)}(?![\w$])"
    return re.search(identifier, statement, re.IGNORECASE) is not None
