"""What the models describe on this database: `metadata.create_all` in a scratch database, read
back from its catalog, the way Prisma's shadow database and Atlas's dev database work.

Building it costs a scratch database, so the description is kept on disk under a fingerprint of
everything it depends on: the DDL the models compile to on this dialect, the server's version,
and which database it stands beside (its charset and collation are the scratch one's). Models
unchanged since the last run reuse it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_steward.catalog import Catalog

if TYPE_CHECKING:
    from sqlalchemy import Connection, MetaData

# Bump when the description's shape changes: older files then describe something else.
CATALOG_FORMAT = "1"
KEPT_DESCRIPTIONS = 32


class ModelsNotDescribable(Exception):
    """The models cannot be built in a scratch database here; the text says why."""


def cache_dir() -> Path:
    """Where descriptions are kept: $ALEMBIC_STEWARD_CACHE, else the user's cache folder."""
    configured = os.environ.get("ALEMBIC_STEWARD_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "alembic-steward"


def model_schemas(metadata: MetaData) -> list[str]:
    """The schemas the models name besides the default one."""
    return sorted({table.schema for table in metadata.tables.values() if table.schema})


def models_catalog(connection: Connection, metadata: MetaData, ignored: set[str]) -> Catalog:
    """Describe ``metadata`` as ``connection``'s server builds it; reuse a kept description.

    Raises ModelsNotDescribable when no scratch database can be made, or the models name other
    schemas on a database where a schema is another database (MySQL) or file (SQLite).
    """
    schemas = model_schemas(metadata)
    if schemas and connection.dialect.name != "postgresql":
        raise ModelsNotDescribable(
            f"the models use other schemas ({', '.join(schemas)}), which a scratch database"
            f" cannot hold on {connection.dialect.name}"
        )
    path = cache_dir() / f"models-{fingerprint(connection, metadata, ignored)}.json"
    try:
        return Catalog.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        pass
    catalog = build_models_catalog(connection, metadata, schemas, ignored)
    keep(path, catalog.to_json())
    return catalog


def fingerprint(connection: Connection, metadata: MetaData, ignored: set[str]) -> str:
    """A hash of the models' compiled DDL and of where and on what server it would be built."""
    from sqlalchemy import create_mock_engine

    statements: list[str] = []
    dialect = connection.dialect

    def record(sql, *_args, **_kwargs) -> None:
        statements.append(str(sql.compile(dialect=dialect)))

    metadata.create_all(create_mock_engine(connection.engine.url, record), checkfirst=False)
    url = connection.engine.url
    # Never the password: the fingerprint is a file name.
    place = f"{url.get_backend_name()}|{url.host}|{url.port}|{url.database}"
    parts = [
        CATALOG_FORMAT,
        place,
        repr(dialect.server_version_info),
        *sorted(ignored),
        *statements,
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def build_models_catalog(
    connection: Connection, metadata: MetaData, schemas: list[str], ignored: set[str]
) -> Catalog:
    from sqlalchemy import create_engine, pool
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import describe_catalog
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._scratch_database import (
        ScratchDatabaseRefused,
        scratch_database,
    )
    from alembic_steward.runtime._driver_errors import error_reason

    try:
        with scratch_database(blocking_url(connection), "models") as url:
            engine = create_engine(url, poolclass=pool.NullPool)
            try:
                with engine.begin() as scratch:
                    for schema in schemas:
                        quoted = scratch.dialect.identifier_preparer.quote_schema(schema)
                        scratch.exec_driver_sql(f"CREATE SCHEMA {quoted}")
                    metadata.create_all(scratch)
                with engine.connect() as scratch:
                    return describe_catalog(scratch, schemas=schemas, ignore_tables=ignored)
            finally:
                engine.dispose()
    except ScratchDatabaseRefused as refused:
        raise ModelsNotDescribable(f"cannot create a scratch database ({refused})") from None
    except SQLAlchemyError as error:
        reason = f"the models' own CREATE statements fail on this server ({error_reason(error)})"
        raise ModelsNotDescribable(reason) from None


def keep(path: Path, text: str) -> None:
    """Write ``text`` at ``path`` whole or not at all; keep the newest descriptions only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
            f.write(text)
        os.replace(f.name, path)
        kept = sorted(path.parent.glob("models-*.json"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-KEPT_DESCRIPTIONS]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home: the next run builds it again
