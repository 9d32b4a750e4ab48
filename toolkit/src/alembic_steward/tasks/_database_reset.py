"""Empty a development database completely, whatever state its migration history is in.

Completely means what the checks read (catalog/): views, tables, sequences and enum types in
the connection's default schema and, on PostgreSQL, in the models' other schemas, which are
dropped themselves. Anything left would make the first migration fail on it ("schema audit
already exists") or be reported as a difference from what the revision builds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


def empty_database(connection: Connection) -> tuple[list[str], list[str]]:
    """Drop everything the migrations may have made, but the environment record.

    Returns the tables dropped (``name``, ``schema.name`` outside the default schema) and the
    other objects (``view v``, ``sequence s``, ``enum type t``, ``schema audit``), each sorted.
    """
    from sqlalchemy import MetaData

    from alembic_steward.inspection._drift_sides import described_schemas
    from alembic_steward.runtime._environment_record import ENVIRONMENT_TABLE

    other_schemas = described_schemas(connection)
    schemas: list[str | None] = [None, *other_schemas]
    # Views first: on PostgreSQL one that reads a table would stop the table's drop.
    others = drop_views(connection, schemas)
    metadata = MetaData()
    for schema in schemas:
        metadata.reflect(connection, schema=schema)
    tables = [
        table
        for table in metadata.tables.values()
        if not (table.schema is None and table.name == ENVIRONMENT_TABLE)
    ]
    metadata.drop_all(connection, tables=tables)
    others += drop_sequences_and_enum_types(connection, schemas)
    for schema in other_schemas:
        # CASCADE: what the catalog does not read there (functions, ...) goes with it.
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted(connection, schema)} CASCADE")
        others.append(f"schema {schema}")
    return sorted(table.key for table in tables), sorted(others)


def drop_views(connection: Connection, schemas: list[str | None]) -> list[str]:
    from sqlalchemy import inspect

    inspector = inspect(connection)
    postgresql = connection.dialect.name == "postgresql"
    dropped = []
    for schema in schemas:
        kinds = [("VIEW", inspector.get_view_names(schema=schema))]
        if postgresql:
            kinds.append(("MATERIALIZED VIEW", inspector.get_materialized_view_names(schema)))
        for kind, names in kinds:
            for name in names:
                # IF EXISTS ... CASCADE: a view dropped with one before it is already gone.
                cascade = " CASCADE" if postgresql else ""
                target = qualified(connection, schema, name)
                connection.exec_driver_sql(f"DROP {kind} IF EXISTS {target}{cascade}")
                dropped.append(f"view {qualified_name(schema, name)}")
    return dropped


def drop_sequences_and_enum_types(connection: Connection, schemas: list[str | None]) -> list[str]:
    """The sequences no table owned (a serial's went with its table), and PostgreSQL's enums."""
    from sqlalchemy import inspect

    if not connection.dialect.supports_sequences:
        return []
    inspector = inspect(connection)  # a fresh one: the tables' drop changed what there is
    dropped = []
    for schema in schemas:
        for name in inspector.get_sequence_names(schema=schema):
            connection.exec_driver_sql(f"DROP SEQUENCE {qualified(connection, schema, name)}")
            dropped.append(f"sequence {qualified_name(schema, name)}")
        if connection.dialect.name == "postgresql":
            for enum in inspector.get_enums(schema=schema or inspector.default_schema_name):
                target = qualified(connection, schema, enum["name"])
                connection.exec_driver_sql(f"DROP TYPE IF EXISTS {target}")
                dropped.append(f"enum type {qualified_name(schema, enum['name'])}")
    return dropped


def quoted(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def qualified(connection: Connection, schema: str | None, name: str) -> str:
    prefix = f"{quoted(connection, schema)}." if schema else ""
    return prefix + quoted(connection, name)


def qualified_name(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name
