"""What the models describe on this database: `metadata.create_all` in a scratch database, read
back from its catalog, the way Prisma's shadow database and Atlas's dev database work.

Building it costs a scratch database, so the description is kept on disk under a fingerprint of
everything it depends on: the DDL the models compile to on this dialect, the server's version,
and which database it stands beside (its charset and collation are the scratch one's). Models
unchanged since the last run reuse it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward._cache import cache_dir, keep
from alembic_steward.catalog import Catalog
from alembic_steward.inspection._unbuildable_defaults import compiled_ddl

if TYPE_CHECKING:
    import threading

    from sqlalchemy import Connection, Engine, MetaData
    from sqlalchemy.sql.base import Executable

    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused

# Bump when the description's shape changes: older files then describe something else.
CATALOG_FORMAT = "13"
KEPT_DESCRIPTIONS = 32


class ModelsNotDescribable(Exception):
    """The models cannot be built in a scratch database here; the text says why.
    ``server_refuses``: the server refused the models' own CREATE statements (not the scratch
    database itself), so no database of this server can hold them as they stand; then
    ``server_said`` is the server's reason (its first line) and ``table`` the table of the
    refused statement, when it has one. ``scratch_refused``: the scratch database's own refusal,
    when that is why."""

    server_refuses = False
    scratch_refused: ScratchDatabaseRefused | None = None
    server_said = ""
    table: str | None = None


def model_schemas(metadata: MetaData) -> list[str]:
    """The schemas the models name besides the default one."""
    return sorted({table.schema for table in metadata.tables.values() if table.schema})


def models_catalog(
    connection: Connection,
    metadata: MetaData,
    ignored: set[str],
    *,
    stop: threading.Event | None = None,
) -> Catalog:
    """Describe ``metadata`` as ``connection``'s server builds it; reuse a kept description.

    Raises ModelsNotDescribable when no scratch database can be made, or the models name other
    schemas on a database where a schema is another database (MySQL) or file (SQLite); a build
    whose ``stop`` is set (the caller gave up on it) starts no more statements and raises
    BuildStopped, keeping nothing.
    """
    schemas = model_schemas(metadata)
    if schemas and connection.dialect.name != "postgresql":
        raise ModelsNotDescribable(
            f"the models use other schemas ({', '.join(schemas)}), which a scratch database"
            f" cannot hold on {connection.dialect.name}"
        )
    statements = create_all_statements(connection, metadata)
    path = cache_dir() / f"models-{fingerprint(connection, statements, ignored)}.json"
    try:
        return Catalog.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        pass
    catalog = build_models_catalog(connection, statements, schemas, ignored, stop=stop)
    keep(path, catalog.to_json(), newest=KEPT_DESCRIPTIONS)
    return catalog


def import_build_modules(dialect: str) -> None:
    """Import what `models_catalog` imports as it goes, for a caller about to run it on another
    thread (``dialect``: the connection's dialect name)."""
    import importlib

    import sqlalchemy.engine.mock  # noqa: F401
    import sqlalchemy.schema  # noqa: F401

    import alembic_steward.inspection._drift_sides  # noqa: F401
    import alembic_steward.inspection._parallel_ddl  # noqa: F401
    import alembic_steward.inspection._scratch_database  # noqa: F401
    import alembic_steward.runtime._driver_errors  # noqa: F401
    import alembic_steward.runtime._server_databases  # noqa: F401
    import alembic_steward.runtime._transactions  # noqa: F401

    reader = {"postgresql": "_postgresql", "sqlite": "_sqlite"}.get(dialect, "_mysql")
    importlib.import_module(f"alembic_steward.catalog.{reader}")


def create_all_statements(connection: Connection, metadata: MetaData) -> list[Executable]:
    """The statements `metadata.create_all` runs on an empty database of ``connection``'s server.

    Recorded, not run, with ``connection``'s own dialect: what it creates depends on the
    server's version (MariaDB has sequences from 10.3), which a dialect made from the URL alone
    does not know.
    """
    from sqlalchemy.engine.mock import MockConnection

    statements: list[Executable] = []

    def record(statement: Executable, *_args: object, **_kwargs: object) -> None:
        statements.append(statement)

    metadata.create_all(MockConnection(connection.dialect, record), checkfirst=False)
    if connection.dialect.name in ("mysql", "mariadb"):
        return with_identity_starts(statements)
    return statements


def with_identity_starts(statements: list[Executable]) -> list[Executable]:
    """On MySQL/MariaDB, each CREATE TABLE followed by the start its identity column's
    `Identity(start=N)` asks for, which SQLAlchemy leaves out of AUTO_INCREMENT there: set as
    the table's counter, so the models' description holds it (its "next id")."""
    from sqlalchemy import Identity
    from sqlalchemy.schema import CreateTable

    from alembic_steward.inspection._parallel_ddl import TableDDL

    started: list[Executable] = []
    for statement in statements:
        started.append(statement)
        if not isinstance(statement, CreateTable):
            continue
        table = statement.element
        column = table.autoincrement_column
        identity = column.identity if column is not None else None
        if isinstance(identity, Identity) and identity.start is not None and identity.start > 1:
            ddl = f"ALTER TABLE %(fullname)s AUTO_INCREMENT = {int(identity.start)}"
            started.append(TableDDL(ddl).against(table))
    return started


def fingerprint(connection: Connection, statements: list[Executable], ignored: set[str]) -> str:
    """A hash of the models' compiled DDL and of where and on what server it would be built.

    Compiling 300 tables' CREATE statements takes about 0.03 s on SQLite and 0.05 s on
    PostgreSQL: a few percent of a check, and the one key that changes whenever what would be
    built changes.
    """
    import hashlib

    dialect = connection.dialect
    url = connection.engine.url
    # Never the password: the fingerprint is a file name.
    place = f"{url.get_backend_name()}|{url.host}|{url.port}|{url.database}"
    parts = [
        CATALOG_FORMAT,
        place,
        repr(dialect.server_version_info),
        *sorted(ignored),
        *(compiled_ddl(statement, dialect) for statement in statements),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def build_models_catalog(
    connection: Connection,
    statements: list[Executable],
    schemas: list[str],
    ignored: set[str],
    *,
    stop: threading.Event | None = None,
) -> Catalog:
    """Run ``statements`` in a new scratch database beside ``connection``'s and describe it."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import describe_catalog
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._parallel_ddl import failed_statement
    from alembic_steward.inspection._scratch_database import (
        ScratchDatabaseRefused,
        scratch_database,
        scratch_engine,
        unnamed_scratch,
    )
    from alembic_steward.runtime._driver_errors import error_reason

    url = None
    try:
        with scratch_database(blocking_url(connection), "models") as url:
            engine = scratch_engine(url)
            try:
                run_create_all(engine, statements, schemas, stop=stop)
                with engine.connect() as scratch:
                    return describe_catalog(
                        scratch, schemas=schemas, ignore_tables=ignored, every_schema=True
                    )
            finally:
                engine.dispose()
    except ScratchDatabaseRefused as refused:
        not_describable = ModelsNotDescribable(f"cannot create a scratch database ({refused})")
        not_describable.scratch_refused = refused
        raise not_describable from None
    except SQLAlchemyError as error:
        said = error_reason(error) if url is None else unnamed_scratch(error_reason(error), url)
        reason = f"the models' own CREATE statements fail on this server ({said})"
        refused = ModelsNotDescribable(reason)
        refused.server_refuses, refused.server_said = True, said
        refused.table = table_of(failed_statement(error))
        raise refused from None


def table_of(statement: Executable | None) -> str | None:
    """The name of the table a DDL statement is about (CREATE TABLE or INDEX, a constraint, a
    listener's DDL on a table), or None."""
    from sqlalchemy import Table

    element = getattr(statement, "element", None)
    if element is None:
        element = getattr(statement, "target", None)  # a listener's DDL: the table it is on
    table = element if isinstance(element, Table) else getattr(element, "table", None)
    return table.fullname if isinstance(table, Table) else None


def run_create_all(
    engine: Engine,
    statements: list[Executable],
    schemas: list[str],
    *,
    stop: threading.Event | None = None,
) -> None:
    """Create the models' schemas, then run ``statements``: in one transaction on SQLite,
    over several connections on a server (inspection/_parallel_ddl.py)."""
    from sqlalchemy.schema import CreateSchema

    from alembic_steward.inspection._parallel_ddl import (
        create_all_prerequisites,
        execute_naming_failure,
        run_in_parallel,
    )

    statements = [*(CreateSchema(schema) for schema in schemas), *statements]
    if engine.dialect.name == "sqlite":
        with engine.begin() as scratch:
            for statement in statements:
                execute_naming_failure(scratch, statement)
        return
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    run_in_parallel(autocommit, statements, create_all_prerequisites(statements), stop=stop)
