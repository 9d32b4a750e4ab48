"""Write the text of the one revision `inv db.squash` puts in place of a stretch of history.

Its body is read from a scratch database the old revisions built: the tables reflected there,
rendered by Alembic's own autogenerate renderer as `op.create_table` / `op.create_index`
calls, and the rows the old revisions inserted replayed with `op.bulk_insert`. Nothing here
has to be complete: the squash builds the written history afresh and compares its catalog
description and rows with the old history's (inspection/_squash_build.py), so whatever the
renderer leaves out (a view, a trigger, a standalone sequence) is named there and nothing is
written.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, MetaData, Table

# A PostgreSQL serial column's default: created by the SERIAL type itself, not to be written.
SERIAL_DEFAULT = re.compile(r"^nextval\('(?:[\w\"]+\.)?\"?(\w+)_(\w+)_seq\"?'::regclass\)$")
# Python values a row may hold, with the import their repr() needs in the revision file.
VALUE_IMPORTS = {
    datetime.datetime: "import datetime",
    datetime.date: "import datetime",
    datetime.time: "import datetime",
    datetime.timedelta: "import datetime",
    decimal.Decimal: "from decimal import Decimal",
    uuid.UUID: "from uuid import UUID",
}
MARIADB_JSON_CHECK = re.compile(r"json_valid\(`?\w+`?\)", re.IGNORECASE)
PLAIN_VALUES = (type(None), bool, int, float, str, bytes, dict, list)

FILE_TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises:
Create Date: {created}

Squashes {count} revisions ({first} to {revision}) by `inv db.squash`: a database at {revision} or
later runs nothing of it. Its downgrade drops everything it creates (base).
"""

{imports}

revision = "{revision}"
down_revision = None
branch_labels = None
depends_on = None
# The revisions this one replaces, and the checksums the old {revision} file had: a database
# that applied the old file keeps its recorded checksum and is not reported as edited.
squashes = {squashes}
squashed_checksums = {checksums}


def upgrade() -> None:
    {upgrade}


def downgrade() -> None:
    {downgrade}
'''


class NotRenderable(Exception):
    """Something at REV cannot be written into the squashed revision (the text says what)."""


@dataclass(frozen=True)
class SquashedText:
    """What the squashed revision's file says: its id, message and the ids it replaces."""

    revision: str
    message: str
    squashes: tuple[str, ...]
    checksums: tuple[str, ...]


def render_squashed_revision(
    connection: Connection, text: SquashedText, schemas: Collection[str], ignore: Collection[str]
) -> str:
    """The squashed revision's file text, from the database on ``connection`` (at REV).

    ``schemas`` are schemas besides the default one to reflect; ``ignore`` names the
    bookkeeping tables left out. Raises NotRenderable for a row value it cannot write.
    """
    from alembic.autogenerate import render
    from alembic.operations import ops

    from alembic_steward.inspection._squash_indexes import index_operations
    from alembic_steward.inspection._squash_types import made_beforehand, named_types

    metadata = reflected_metadata(connection, schemas, ignore)
    made_beforehand(connection, metadata, schemas)
    types = named_types(connection, schemas)
    context = autogen_context(connection)
    tables = list(metadata.sorted_tables)
    creates: list[ops.MigrateOperation] = [ops.ExecuteSQLOp(sql) for sql in types.creates]
    for table in tables:
        creates.append(ops.CreateTableOp.from_table(table))
        creates.extend(index_operations(connection, table))
    drops: list[ops.MigrateOperation] = [
        ops.DropTableOp.from_table(table) for table in reversed(tables)
    ]
    drops += [ops.ExecuteSQLOp(sql) for sql in types.drops]
    upgrade = rendered(ops.UpgradeOps(ops=creates), context)
    downgrade = rendered(ops.DowngradeOps(ops=drops), context)
    imports = {"import sqlalchemy as sa", "from alembic import op", *context.imports}
    seeds = [seed_lines(connection, table, context, imports) for table in tables]
    upgrade += "".join(f"\n{lines}" for lines in seeds if lines)
    return FILE_TEMPLATE.format(
        # As script.py.mako writes a message: text inside the docstring, whatever it holds.
        message=text.message.replace("\\", "\\\\").replace('"', '\\"'),
        revision=text.revision,
        created=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        count=len(text.squashes),
        first=text.squashes[0],
        imports="\n".join(sorted(imports, key=import_order)),
        squashes=string_tuple(text.squashes),
        checksums=string_tuple(text.checksums),
        upgrade=render._indent(upgrade),
        downgrade=render._indent(downgrade),
    )


def string_tuple(values: tuple[str, ...]) -> str:
    """A tuple literal of plain strings in double quotes, as the formatter would leave it."""
    items = ", ".join(f'"{value}"' for value in values)
    return f"({items},)" if len(values) == 1 else f"({items})"


def rendered(container: Any, context: Any) -> str:
    """Alembic's rendering of ``container``'s operations, without its "please adjust" lines."""
    from alembic.autogenerate import render

    body = render._render_cmd_body(container, context)
    return "".join(line for line in body.splitlines(True) if not line.startswith("# ###"))


def import_order(line: str) -> tuple[int, str]:
    # Standard library first, then sqlalchemy, then alembic, as ruff's isort would have them.
    module = line.split()[1]
    rank = 2 if module.startswith("alembic") else 1 if module.startswith("sqlalchemy") else 0
    return rank, line


def reflected_metadata(
    connection: Connection, schemas: Collection[str], ignore: Collection[str]
) -> MetaData:
    from sqlalchemy import MetaData, inspect

    from alembic_steward.inspection._squash_indexes import expression_indexes_unwarned

    metadata = MetaData()
    inspector = inspect(connection)
    for schema in [None, *sorted(schemas)]:
        names = [name for name in inspector.get_table_names(schema) if name not in ignore]
        with expression_indexes_unwarned():
            metadata.reflect(connection, schema=schema, only=names)
    for table in metadata.tables.values():
        keep_names_as_read(table)
        if connection.dialect.name == "sqlite":
            restore_sqlite_collations(connection, table)
        elif connection.dialect.name == "postgresql":
            drop_serial_defaults(table)
        elif getattr(connection.dialect, "is_mariadb", False):
            restore_mariadb_json(connection, table)
    return metadata


def restore_sqlite_collations(connection: Connection, table: Table) -> None:
    """Give back each column's COLLATE clause, which SQLAlchemy does not reflect on SQLite
    (read from the table's CREATE statement, as the catalog description reads it)."""
    from alembic_steward.catalog._sqlite_statements import table_clauses

    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table.name,)
    ).scalar()
    clauses = table_clauses(sql or "").columns
    for column in table.columns:
        found = clauses.get(column.name.lower())
        if found and found.collation and hasattr(column.type, "collation"):
            column.type.collation = found.collation


def restore_mariadb_json(connection: Connection, table: Table) -> None:
    """Give back the JSON type of MariaDB's JSON columns, reflected as LONGTEXT: MariaDB stores
    JSON as LONGTEXT with a column CHECK (json_valid(column)) named after it (which SQLAlchemy
    does not reflect), and a JSON column declared again recreates both."""
    from sqlalchemy import JSON, text

    checks = connection.execute(
        text(
            "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
            " WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = :table"
        ),
        {"table": table.name},
    )
    for name, clause in checks:
        if name in table.columns and MARIADB_JSON_CHECK.fullmatch(str(clause).strip()):
            table.columns[name].type = JSON()


def keep_names_as_read(table: Table) -> None:
    """Mark every constraint and index name as final (rendered `op.f(...)`): the project's
    naming convention made them once already, and must not wrap them again."""
    from sqlalchemy.sql.elements import conv

    for item in [*table.constraints, *table.indexes]:
        if isinstance(item.name, str) and not isinstance(item.name, conv):
            item.name = conv(item.name)


def drop_serial_defaults(table: Table) -> None:
    """Leave out the `nextval(...)` default of a serial column: SERIAL itself creates it."""
    for column in table.columns:
        default = column.server_default
        text = str(getattr(default, "arg", "")) if default is not None else ""
        match = SERIAL_DEFAULT.match(text)
        if match and (match.group(1), match.group(2)) == (table.name, column.name):
            column.server_default = None
            column.autoincrement = True


def autogen_context(connection: Connection) -> Any:
    from alembic.autogenerate.api import AutogenContext
    from alembic.runtime.migration import MigrationContext

    migration_context = MigrationContext.configure(connection=connection)
    opts = {
        "sqlalchemy_module_prefix": "sa.",
        "alembic_module_prefix": "op.",
        "render_item": None,
        "render_as_batch": False,
        "user_module_prefix": None,
    }
    return AutogenContext(migration_context, opts=opts, autogenerate=False)


def seed_lines(connection: Connection, table: Table, context: Any, imports: set[str]) -> str:
    """`op.bulk_insert` of ``table``'s rows in primary-key order, or "" when it has none."""
    from alembic.autogenerate import render
    from sqlalchemy import select

    order = list(table.primary_key.columns) or list(table.columns)
    rows = connection.execute(select(table).order_by(*order)).mappings().all()
    if not rows:
        return ""
    columns = ", ".join(
        f"sa.column({column.name!r}, {render._repr_type(column.type, context)})"
        for column in table.columns
    )
    schema = f", schema={table.schema!r}" if table.schema else ""
    written = "".join(f"        {row_literal(dict(row), imports)},\n" for row in rows)
    target = f"sa.table({table.name!r}, {columns}{schema})"
    lines = f"op.bulk_insert(\n    {target},\n    [\n{written}    ],\n)\n"
    return lines + serial_reset(connection, table)


def row_literal(row: dict[str, Any], imports: set[str]) -> str:
    for column, value in row.items():
        kind = type(value)
        if kind in VALUE_IMPORTS:
            imports.add(VALUE_IMPORTS[kind])
        elif not isinstance(value, PLAIN_VALUES):
            raise NotRenderable(
                f"column {column} holds a {kind.__name__} value, which the squashed revision"
                " cannot write as a literal"
            )
    return repr(row)


def serial_reset(connection: Connection, table: Table) -> str:
    """On PostgreSQL, move each serial/identity column's sequence past the rows just inserted:
    rows inserted with their ids leave it where it was, and the next insert would collide."""
    if connection.dialect.name != "postgresql":
        return ""
    quote = connection.dialect.identifier_preparer.quote
    name = f"{quote(table.schema)}.{quote(table.name)}" if table.schema else quote(table.name)
    lines = ""
    for column in table.primary_key.columns:
        if column.autoincrement is True or column.identity is not None:
            sql = (
                f"SELECT setval(pg_get_serial_sequence('{name}', '{column.name}'),"
                f" (SELECT max({quote(column.name)}) FROM {name}))"
            )
            lines += f"op.execute({sql!r})\n"
    return lines
