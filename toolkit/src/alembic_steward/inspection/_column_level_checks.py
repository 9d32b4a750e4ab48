"""MariaDB's column-level CHECK (a JSON column's json_valid, a `CHECK` written after a column):
named after its column and part of the column's definition, it cannot be dropped by `DROP
CONSTRAINT` (1091 Can't DROP CONSTRAINT), only by redefining the column without it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Column, MetaData

    from alembic_steward.catalog import Difference


def column_check_drop_call(
    difference: Difference, metadata: MetaData | None, dialect: str
) -> str | None:
    """The `MODIFY` that drops the column-level CHECK ``difference`` names (one the models lack
    on MariaDB, named as a column of the models' table), with the models' column as it should
    be; None for any other difference."""
    if dialect not in ("mysql", "mariadb") or difference.change != "unexpected":
        return None
    if difference.kind != "check constraint" or metadata is None:
        return None
    table, _, name = difference.subject.rpartition(".")
    column = models_column(metadata, table, name)
    if column is None:
        return None
    from sqlalchemy.dialects import mysql
    from sqlalchemy.schema import CreateColumn

    definition = str(CreateColumn(column).compile(dialect=mysql.dialect())).strip()
    return (
        f'op.execute("ALTER TABLE {table} MODIFY {definition}"): MariaDB drops a column-level'
        " CHECK only with its column's definition (DROP CONSTRAINT fails with 1091)"
    )


def models_column(metadata: MetaData, table: str, name: str) -> Column | None:
    """The models' column ``name`` of table ``table`` in the default schema, if any."""
    found = metadata.tables.get(table)
    return found.columns.get(name) if found is not None else None
