"""Empty a development database completely, whatever state its migration history is in.

Completely means what the checks read (catalog/): views, tables, sequences, enum types, on
PostgreSQL domains, composite and range types, collations, aggregates, operators and extensions
(but the server's template's), stored functions and procedures and MariaDB's events (a trigger goes
with its table) in the connection's default schema and, on PostgreSQL, every other schema the
checks describe as the database's (the models' ones and, where the whole database is the service's,
any made by hand or by a revision since deleted; never the server's or an extension's), which are
dropped themselves. Anything left would make the first migration fail on it ("schema audit already
exists"), be reported as a difference from what the revision builds, or keep the checks advising a
reset that cannot clear it.

On PostgreSQL each drop cascades, where the whole database is the service's: an enum type a
table elsewhere still uses, or a function that takes it, must not stop a start over. Every
object dropped by name is listed; a cascade takes only what depends on those.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine


def empty_database(connection: Connection) -> tuple[list[str], list[str]]:
    """Drop everything the migrations may have made, but the environment record.

    Returns the tables dropped (``name``, ``schema.name`` outside the default schema) and the
    other objects (``view v``, ``sequence s``, ``enum type t``, ``schema audit``), each sorted.
    """
    from sqlalchemy import MetaData
    from sqlalchemy.exc import SAWarning

    from alembic_steward.runtime._environment_record import ENVIRONMENT_TABLE

    other_schemas = schemas_to_drop(connection)
    schemas: list[str | None] = [None, *other_schemas]
    # Views first: on PostgreSQL one that reads a table would stop the table's drop.
    others = drop_views(connection, schemas)
    metadata = MetaData()
    with warnings.catch_warnings():
        # A column of a composite type or domain reflects as NullType: only its name is used.
        warnings.filterwarnings("ignore", "Did not recognize type", SAWarning)
        for schema in schemas:
            metadata.reflect(connection, schema=schema)
    tables = [
        table
        for table in metadata.tables.values()
        if not (table.schema is None and table.name == ENVIRONMENT_TABLE)
    ]
    if connection.dialect.name == "postgresql":
        # One by one, not metadata.drop_all: that drops the tables' enum types unlisted, and
        # without a cascade fails on one a table left elsewhere still uses.
        for table in reversed(metadata.sorted_tables):  # dependents first, cascade or none
            if table not in tables:
                continue
            target = qualified(connection, table.schema, table.name)
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {target}{cascade(connection)}")
    else:
        metadata.drop_all(connection, tables=tables)
    others += drop_sequences_and_enum_types(connection, schemas)
    others += drop_postgresql_objects(connection)
    others += drop_routines(connection)
    others += drop_extensions(connection)
    for schema in other_schemas:
        # CASCADE: what the catalog does not read there (functions, ...) goes with it.
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quoted(connection, schema)} CASCADE")
        others.append(f"schema {schema}")
    return sorted(table.key for table in tables), sorted(others)


def schemas_to_drop(connection: Connection) -> list[str]:
    """The other schemas the checks describe as the database's (inspection/_catalog_drift.py):
    the models' ones and, where every schema is the service's, every one but the server's own
    and an extension's; none but on PostgreSQL."""
    from alembic_steward.catalog._postgresql import EVERY_SCHEMA
    from alembic_steward.inspection._catalog_drift import every_schema_in_scope
    from alembic_steward.inspection._drift_sides import described_schemas

    schemas = set(described_schemas(connection))
    if connection.dialect.name == "postgresql" and every_schema_in_scope():
        rows = connection.exec_driver_sql(EVERY_SCHEMA, {"schemas": sorted(schemas)})
        default = connection.exec_driver_sql("SELECT current_schema()").scalar()
        schemas.update(name for name, *_ in rows if name != default)
    return sorted(schemas)


def cascade(connection: Connection) -> str:
    """` CASCADE` where the whole PostgreSQL database is the service's: dropping its own
    objects may take what depends on them; where other tenants' schemas share it, never."""
    from alembic_steward.inspection._catalog_drift import every_schema_in_scope

    postgresql = connection.dialect.name == "postgresql"
    return " CASCADE" if postgresql and every_schema_in_scope() else ""


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
                connection.exec_driver_sql(f"DROP TYPE IF EXISTS {target}{cascade(connection)}")
                dropped.append(f"enum type {qualified_name(schema, enum['name'])}")
    return dropped


# The default schema's PostgreSQL objects the catalog describes beyond tables, views, sequences,
# enum types and routines (catalog/_postgresql_types.py), but an extension's: each as the catalog
# names it and as DROP names it, in an order where what uses another goes first (an operator or
# aggregate its function, a composite type a domain of its attributes).
IN_DEFAULT = "= current_schema()::regnamespace"
NOT_AN_EXTENSIONS = (
    " AND NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = '{catalog}'::regclass"
    " AND e.objid = {oid} AND e.deptype = 'e')"
)
POSTGRESQL_OBJECTS = (
    "SELECT 'operator', o.oprname || '(' || CASE WHEN o.oprleft = 0 THEN 'NONE'"
    " ELSE format_type(o.oprleft, NULL) END || ', ' || format_type(o.oprright, NULL) || ')',"
    " o.oid::regoperator::text, 1 FROM pg_operator o"
    f" WHERE o.oprnamespace {IN_DEFAULT}"
    + NOT_AN_EXTENSIONS.format(catalog="pg_operator", oid="o.oid")
    + " UNION ALL SELECT 'aggregate', p.proname || '(' || oidvectortypes(p.proargtypes) || ')',"
    " p.oid::regprocedure::text, 2 FROM pg_proc p"
    f" WHERE p.prokind = 'a' AND p.pronamespace {IN_DEFAULT}"
    + NOT_AN_EXTENSIONS.format(catalog="pg_proc", oid="p.oid")
    + " UNION ALL SELECT CASE t.typtype WHEN 'c' THEN 'composite type' WHEN 'r' THEN 'range type'"
    " ELSE 'domain' END, t.typname, quote_ident(t.typname),"
    " CASE t.typtype WHEN 'c' THEN 3 WHEN 'r' THEN 4 ELSE 5 END"
    " FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid"
    f" WHERE t.typnamespace {IN_DEFAULT}"
    " AND (t.typtype IN ('d', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))"
    + NOT_AN_EXTENSIONS.format(catalog="pg_type", oid="t.oid")
    + " UNION ALL SELECT 'collation', c.collname, quote_ident(c.collname), 6 FROM pg_collation c"
    f" WHERE c.collnamespace {IN_DEFAULT}"
    + NOT_AN_EXTENSIONS.format(catalog="pg_collation", oid="c.oid")
    + " ORDER BY 4, 2"
)
# How DROP names each kind: a composite or range type is a TYPE.
DROP_KIND = {"composite type": "TYPE", "range type": "TYPE"}


def drop_postgresql_objects(connection: Connection) -> list[str]:
    """The default schema's domains, composite and range types, collations, aggregates and
    operators (another schema's go with it; a range type takes its constructor functions)."""
    if connection.dialect.name != "postgresql":
        return []
    dropped = []
    for kind, name, target, _order in connection.exec_driver_sql(POSTGRESQL_OBJECTS).all():
        drop = DROP_KIND.get(kind, kind.upper())
        connection.exec_driver_sql(f"DROP {drop} IF EXISTS {target}{cascade(connection)}")
        dropped.append(f"{kind} {name}")
    return dropped


# The default schema's functions and procedures, but an extension's (its own to drop) and a
# range type's constructors (dropped with it): each as the catalog names it, and as DROP names
# it (PostgreSQL: by its argument types too).
POSTGRESQL_ROUTINES = (
    "SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,"
    " p.proname || '(' || oidvectortypes(p.proargtypes) || ')',"
    " quote_ident(p.proname) || '(' || oidvectortypes(p.proargtypes) || ')'"
    " FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace"
    " AND p.prokind IN ('f', 'p') AND NOT EXISTS (SELECT FROM pg_depend d"
    " WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i'))"
)
MYSQL_ROUTINES = (
    "SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME, CONCAT('`', REPLACE(ROUTINE_NAME, '`', '``'), '`')"
    " FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
    # Scheduled events too: the server runs them by itself, on tables the reset drops.
    " UNION ALL SELECT 'event', EVENT_NAME, CONCAT('`', REPLACE(EVENT_NAME, '`', '``'), '`')"
    " FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()"
)


def drop_routines(connection: Connection) -> list[str]:
    """The default schema's stored functions and procedures (another schema's go with it) and
    MariaDB's events; on PostgreSQL a trigger's function too, which stays when its table is
    dropped."""
    query = {"postgresql": POSTGRESQL_ROUTINES, "mysql": MYSQL_ROUTINES}
    if connection.dialect.name not in query:
        return []  # SQLite stores none
    dropped = []
    for kind, name, target in connection.exec_driver_sql(query[connection.dialect.name]).all():
        connection.exec_driver_sql(f"DROP {kind.upper()} IF EXISTS {target}{cascade(connection)}")
        dropped.append(f"{kind} {name}")
    return dropped


def drop_extensions(connection: Connection) -> list[str]:
    """PostgreSQL's extensions the checks describe (catalog/_postgresql.py's EXTENSIONS), where
    the whole database is the service's, but those its server's template (template1) holds:
    those every new database has, which no revision made and the next upgrade would not make
    again."""
    from alembic_steward.catalog._postgresql import EXTENSIONS
    from alembic_steward.inspection._catalog_drift import every_schema_in_scope

    if connection.dialect.name != "postgresql" or not every_schema_in_scope():
        return []
    kept = template_extensions(connection)
    dropped = []
    for name, _schema in connection.exec_driver_sql(EXTENSIONS).all():
        if name not in kept:
            target = quoted(connection, name)
            connection.exec_driver_sql(f"DROP EXTENSION IF EXISTS {target}{cascade(connection)}")
            dropped.append(f"extension {name}")
    return dropped


def template_extensions(connection: Connection) -> set[str]:
    """The extensions of template1, the database CREATE DATABASE copies, read on a connection
    of its own; none when it cannot be read (then only initdb's are kept: EXTENSIONS leaves
    them out)."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from alembic_steward.inspection._drift_sides import blocking_url

    engine = create_engine(blocking_url(connection).set(database="template1"), poolclass=NullPool)
    try:
        with engine.connect() as template:
            rows = template.exec_driver_sql("SELECT extname FROM pg_extension").all()
        return {name for (name,) in rows}
    except SQLAlchemyError:
        return set()
    finally:
        engine.dispose()


def quoted(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def qualified(connection: Connection, schema: str | None, name: str) -> str:
    prefix = f"{quoted(connection, schema)}." if schema else ""
    return prefix + quoted(connection, name)


def qualified_name(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def reset_failed_line(engine: Engine, error: Exception) -> str:
    """The line for a drop that failed: what failed, what the database holds now (read on a
    new connection: on PostgreSQL the drops ran in one transaction, so none took effect; on
    MySQL/MariaDB each DDL commits at once), and what to do."""
    from sqlalchemy import inspect

    from alembic_steward.runtime._state_after_failure import version_heads

    reason = str(getattr(error, "orig", None) or error).splitlines()[0]
    try:
        with engine.connect() as connection:
            tables = len(inspect(connection).get_table_names())
            heads = ", ".join(version_heads(connection)) or "no revision"
        undone = " (nothing was dropped)" if engine.dialect.name == "postgresql" else ""
        state = f"the database holds {tables} table(s), at {heads}{undone}"
    except Exception:  # noqa: BLE001 - the state could not be read: say so, never guess
        state = "its state could not be read; see `inv db.status`"
    return (
        f"error: reset stopped, a drop failed ({reason}); {state}. Drop what the error names"
        " by hand and run `inv db.reset` again, or drop and create the database:"
        " `inv db.drop` then `inv db.setup`"
    )
