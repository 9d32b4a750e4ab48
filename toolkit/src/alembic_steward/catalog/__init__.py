"""One description of a database's schema, read from its catalog, and the differences between
two such descriptions.

Every check that asks "is this schema what it should be" reads it here: `inv db.check` and
`inv db.status` (the live database against a scratch database built from the models, and
against one its own revision built), the baked tests, and the state line after a failed run.
Reading the catalog, rather than comparing through Alembic's autogenerate, sees what
autogenerate does not look at (CHECK constraints, sequences, identity options, other schemas,
operator classes, invalid indexes, triggers, functions, row level security and policies), and
two spellings the server stores the same way (MariaDB's ``DOUBLE`` for ``Float(53)``) describe
the same.

    from alembic_steward.catalog import compare_catalogs, describe_catalog

    with engine.connect() as connection:
        catalog = describe_catalog(connection)
    for difference in compare_catalogs(expected, catalog):
        print(difference.line("the models", "the database"))
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from alembic_steward.catalog._declared_by_revisions import compare_with_models
from alembic_steward.catalog._model import (
    Catalog,
    Difference,
    Facts,
    Key,
    compare_catalogs,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = [
    "Catalog",
    "Difference",
    "Facts",
    "Key",
    "compare_catalogs",
    "compare_with_models",
    "describe_catalog",
]


def describe_catalog(
    connection: Connection,
    *,
    schemas: Collection[str] = (),
    ignore_tables: Collection[str] = (),
    owners: Collection[str] | None = None,
    every_schema: bool = False,
) -> Catalog:
    """Describe every table (with how it behaves: row level security, UNLOGGED, STRICT...),
    view, column, constraint, index, trigger, policy, rule, sequence, enum type, function,
    procedure and MariaDB event (but an extension's; on PostgreSQL a trigger's function is
    described as a function, the same whether a trigger runs it or not).

    ``schemas`` names schemas besides the connection's default one to describe too (PostgreSQL;
    MySQL/MariaDB and SQLite describe their current database only, and a name there raises
    ValueError). ``every_schema`` names every other schema the database holds as well (but the
    server's and extensions' own), without describing what is in it, and the extensions
    themselves, by name and schema (PostgreSQL; ignored elsewhere). ``owners``, when given,
    restricts the description to the tables, views, sequences, enum types and routines (and
    schemas) of those names, in every schema described, with all they own: what a caller that
    knows what changed reads again, in the same few queries (matched regardless of case on
    SQLite; a sequence a table owns is described with its table whichever of the two is named; a
    name nothing has describes nothing). ``ignore_tables`` are left out with all they own
    (Alembic's version table is always left out). Raises SQLAlchemy's DBAPIError when the
    catalog cannot be read. The connection's transaction, if any, is left as it was.
    """
    dialect = connection.dialect.name
    wanted = None if owners is None else sorted(set(owners))
    if dialect == "postgresql":
        from alembic_steward.catalog import _postgresql

        objects = _postgresql.read(
            connection, sorted(set(schemas)), wanted, every_schema=every_schema
        )
    elif schemas:
        raise ValueError(f"other schemas are described on PostgreSQL only, not on {dialect}")
    elif dialect == "sqlite":
        from alembic_steward.catalog import _sqlite

        objects = _sqlite.read(connection, wanted)
    elif dialect in ("mysql", "mariadb"):
        from alembic_steward.catalog import _mysql

        objects = _mysql.read(connection, wanted)
    else:
        raise ValueError(f"no catalog reader for {dialect}")
    catalog = Catalog(dialect, objects)
    ignored = {"alembic_version", *ignore_tables}
    return catalog.without((schema, name) for schema, name in catalog.owners() if name in ignored)
