"""Scratch databases for the catalog tests: SQLAlchemy engines straight on a database of each
kind, made once per module and emptied between builds."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from catalog_feature import Rebuild
from servers import SERVER_URL_VARIABLES, connect_admin, with_database
from sqlalchemy import Connection, Engine, MetaData, create_engine

from alembic_steward.catalog import Catalog, describe_catalog
from alembic_steward.runtime._mysql_tls import sharing_tls

SCHEMAS_IN_SCOPE = {"postgresql": ("audit",)}


class Scratch:
    """One scratch database: ``build`` empties it, runs ``make`` and describes what it made."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self.url = url
        # PyMySQL's TLS context once per process, as the toolkit's own engines make it.
        self.engine: Engine = sharing_tls(create_engine(url))

    def empty(self) -> None:
        self.engine.dispose()
        if self.kind == "sqlite":
            Path(self.engine.url.database).unlink(missing_ok=True)
            return
        name = self.engine.url.database
        admin = connect_admin(self.kind, self.url)
        try:
            with admin.cursor() as cursor:
                if self.kind == "postgresql":
                    cursor.execute("DROP SCHEMA IF EXISTS public, audit, reports CASCADE")
                    cursor.execute("CREATE SCHEMA public")
                else:
                    cursor.execute(f"DROP DATABASE {name}")
                    cursor.execute(f"CREATE DATABASE {name}")
        finally:
            admin.close()

    def build(
        self,
        metadata: MetaData,
        statements: Iterable[str | Rebuild] = (),
        *,
        before: Iterable[str] = (),
    ) -> Catalog:
        """Empty the database, run ``before``, create ``metadata`` and run ``statements``."""
        self.empty()
        with self.engine.begin() as connection:
            for statement in before:
                connection.exec_driver_sql(statement)
            metadata.create_all(connection)
        with self.engine.begin() as connection:
            for statement in statements:
                if isinstance(statement, Rebuild):
                    rebuild_sqlite_table(connection, statement)
                else:
                    connection.exec_driver_sql(statement)
        return self.describe()

    def describe(self) -> Catalog:
        with self.engine.connect() as connection:
            return describe_catalog(
                connection, schemas=SCHEMAS_IN_SCOPE.get(self.kind, ()), every_schema=True
            )


def rebuild_sqlite_table(connection: Connection, rebuild: Rebuild) -> None:
    """Change a SQLite table the way sqlite.org/lang_altertable.html says: edit its CREATE
    statement into a new table, drop the old one, rename the new one, remake its indexes and
    the views that read it."""
    table = rebuild.table
    (create,) = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).one()
    assert create.count(rebuild.old) == 1, f"{rebuild.old!r} is not once in {create}"
    kept = connection.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name != ?"
        " AND (tbl_name = ? OR type = 'view')",
        (table, table),
    ).all()
    for kind, name, _sql in kept:
        if kind == "view":
            connection.exec_driver_sql(f"DROP VIEW {name}")
    edited = create.replace(rebuild.old, rebuild.new)
    connection.exec_driver_sql(
        edited.replace(f"CREATE TABLE {table} ", f"CREATE TABLE new_{table} ", 1)
    )
    connection.exec_driver_sql(f"DROP TABLE {table}")
    connection.exec_driver_sql(f"ALTER TABLE new_{table} RENAME TO {table}")
    for _kind, _name, sql in kept:
        connection.exec_driver_sql(sql)


@pytest.fixture(scope="module")
def scratch_pairs(tmp_path_factory) -> Iterator:
    """``scratch_pairs(kind)``: two scratch databases of ``kind``, made on first use in a module
    and dropped after it."""
    pairs: dict[str, tuple[Scratch, Scratch]] = {}
    with ExitStack() as stack:

        def pair(kind: str) -> tuple[Scratch, Scratch]:
            if kind not in pairs:
                folder = tmp_path_factory.mktemp(kind)
                pairs[kind] = stack.enter_context(scratch_pair(kind, folder))
            return pairs[kind]

        yield pair


@contextmanager
def scratch_pair(kind: str, folder: Path) -> Iterator[tuple[Scratch, Scratch]]:
    """Two scratch databases of ``kind``, dropped afterwards; skips when no server is set."""
    if kind == "sqlite":
        yield (
            Scratch(kind, f"sqlite:///{folder / 'a.db'}"),
            Scratch(kind, f"sqlite:///{folder / 'b.db'}"),
        )
        return
    server_url = os.environ.get(SERVER_URL_VARIABLES[kind])
    if not server_url:
        pytest.skip(f"{SERVER_URL_VARIABLES[kind]} is not set; no {kind} server to test on")
    names = [f"catalog_{secrets.token_hex(6)}" for _ in range(2)]
    admin = connect_admin(kind, server_url)
    scratches = []
    try:
        with admin.cursor() as cursor:
            for name in names:
                cursor.execute(f"CREATE DATABASE {name}")
        scratches = [Scratch(kind, with_database(server_url, name)) for name in names]
        yield scratches[0], scratches[1]
    finally:
        for scratch in scratches:
            scratch.engine.dispose()
        with admin.cursor() as cursor:
            for name in names:
                force = " WITH (FORCE)" if kind == "postgresql" else ""
                cursor.execute(f"DROP DATABASE IF EXISTS {name}{force}")
        admin.close()
