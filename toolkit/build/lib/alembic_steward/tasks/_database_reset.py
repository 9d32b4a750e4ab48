"""Empty a development database completely, whatever state its migration history is in."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


def drop_all_tables(connection: Connection) -> list[str]:
    """Drop every table but the environment record, in foreign-key order; return their names."""
    from sqlalchemy import MetaData

    from alembic_steward.runtime._environment_record import ENVIRONMENT_TABLE

    metadata = MetaData()
    metadata.reflect(connection)
    tables = [table for name, table in metadata.tables.items() if name != ENVIRONMENT_TABLE]
    metadata.drop_all(connection, tables=tables)
    return sorted(table.name for table in tables)
