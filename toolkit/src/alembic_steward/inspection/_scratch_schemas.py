"""The schemas a PostgreSQL session's search_path reaches, made again in its scratch database.

A service whose main schema is not public pins it in DATABASE_URL (`?options=-csearch_path%3Dapp`),
and a scratch database, created beside the live one with the same URL, gets the same search_path
but not the schema: every CREATE there failed with "no schema has been selected to create in".
So the schemas the live session's search_path finds are created in each scratch database first,
empty: the live catalog names them all (catalog/), so the scratch one must too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection


def search_path_schemas(connection: Connection) -> list[str]:
    """The schemas besides public that ``connection``'s search_path finds, in its order."""
    from sqlalchemy import text

    if connection.dialect.name != "postgresql":
        return []
    found = connection.scalar(text("SELECT current_schemas(false)")) or []
    return [schema for schema in found if schema != "public"]


def create_schemas(scratch: URL, schemas: list[str]) -> None:
    """Create ``schemas`` in the new scratch database at ``scratch``."""
    from alembic_steward.runtime._server_databases import admin_engine

    engine = admin_engine(scratch)
    try:
        with engine.connect() as connection:
            quote = connection.dialect.identifier_preparer.quote
            for schema in schemas:
                connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
    finally:
        engine.dispose()
