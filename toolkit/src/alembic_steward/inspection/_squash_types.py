"""The PostgreSQL collations, enum types and domains a squashed revision makes before its
tables, and drops after them.

Alembic's `op.create_table` makes an enum type with its table but never a reflected domain
(rendered `create_type=False`), and its `op.drop_table` drops neither: the squashed upgrade
failed on the first column taking a domain, and its downgrade left every domain behind. Each
type is written here from the catalog instead (a domain with its NOT NULL, default, collation
and every named CHECK, which reflection reduces to the first), created enums first and each
domain after the type it is over, and dropped in the reverse order; the tables' columns then
name them without making them (`create_type=False`), each with its own NOT NULL and
default (reflection gives it its domain's). A collation a column or domain takes is made
first: the upgrade failed on it likewise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_steward.catalog._postgresql_types import IN_SCOPE, NOT_AN_EXTENSIONS

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy import Connection, MetaData

# Each enum type and domain in scope: its oid, the oid of the type it is over (0 for an enum),
# its name as the search_path reads it, and its CREATE statement.
NAMED_TYPES = (
    "SELECT t.oid, t.typbasetype, t.oid::regtype::text, CASE t.typtype WHEN 'e' THEN"
    "  'CREATE TYPE ' || t.oid::regtype::text || ' AS ENUM (' || (SELECT string_agg("
    "   quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e"
    "   WHERE e.enumtypid = t.oid) || ')'"
    " ELSE 'CREATE DOMAIN ' || t.oid::regtype::text || ' AS '"
    "  || format_type(t.typbasetype, t.typtypmod)"
    "  || CASE WHEN t.typcollation <> b.typcollation"
    "   THEN ' COLLATE ' || t.typcollation::regcollation::text ELSE '' END"
    "  || coalesce(' DEFAULT ' || t.typdefault, '')"
    "  || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END"
    "  || coalesce((SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname) || ' '"
    "   || pg_get_constraintdef(k.oid), '' ORDER BY k.conname) FROM pg_constraint k"
    "   WHERE k.contypid = t.oid AND k.contype = 'c'), '') END"
    " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
    " LEFT JOIN pg_type b ON b.oid = t.typbasetype"
    f" WHERE {IN_SCOPE} AND t.typtype IN ('e', 'd')"
    + NOT_AN_EXTENSIONS.format(catalog="pg_type", oid="t.oid")
    + " ORDER BY t.typtype DESC, 3"
)

# Each collation in scope, as NAMED_TYPES' rows: made before the types and columns that take it.
# The locale's column is another in each version (catalog/_postgresql_types.py's COLLATIONS).
COLLATIONS = (
    "SELECT c.oid, 0, c.oid::regcollation::text, 'CREATE COLLATION ' || c.oid::regcollation::text"
    " || ' (provider = ' || CASE c.collprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin'"
    "  ELSE 'libc' END || CASE WHEN c.collprovider = 'c' THEN ', lc_collate = '"
    "  || quote_literal(c.collcollate) || ', lc_ctype = ' || quote_literal(c.collctype)"
    "  ELSE ', locale = ' || quote_literal(coalesce(to_jsonb(c) ->> 'colllocale',"
    "  to_jsonb(c) ->> 'colliculocale')) END"
    " || CASE WHEN c.collisdeterministic THEN '' ELSE ', deterministic = false' END"
    " || coalesce(', rules = ' || quote_literal(to_jsonb(c) ->> 'collicurules'), '') || ')'"
    " FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace"
    f" WHERE {IN_SCOPE}"
    + NOT_AN_EXTENSIONS.format(catalog="pg_collation", oid="c.oid")
    + " ORDER BY 3"
)
# Each column taking a domain: its table and whether it has its own NOT NULL and default.
DOMAIN_COLUMNS = (
    "SELECT n.nspname = current_schema(), n.nspname, c.relname, a.attname, a.attnotnull,"
    " a.atthasdef FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid"
    f" WHERE {IN_SCOPE} AND t.typtype = 'd' AND a.attnum > 0 AND NOT a.attisdropped"
    " AND c.relkind IN ('r', 'p')"
)


@dataclass(frozen=True)
class NamedTypes:
    """The statements making the types (in the order to run them) and dropping them (likewise)."""

    creates: tuple[str, ...] = ()
    drops: tuple[str, ...] = ()


def named_types(connection: Connection, schemas: Collection[str]) -> NamedTypes:
    """The collations, enum types and domains of the database on ``connection`` (default schema
    and ``schemas``): collations first, each domain after the type it is over, dropped in the
    reverse order. None off PostgreSQL."""
    if connection.dialect.name != "postgresql":
        return NamedTypes()
    parameters = {"schemas": sorted(schemas)}
    rows = connection.exec_driver_sql(NAMED_TYPES, parameters).all()
    collations = connection.exec_driver_sql(COLLATIONS, parameters).all()
    made: set[int] = set()
    ordered = [(name, create) for _oid, _base, name, create in collations]
    waiting = list(rows)  # enums first, then domains, each by name
    while waiting:
        ready = [row for row in waiting if row[1] == 0 or row[1] in made or not known(row, rows)]
        if not ready:  # a cycle PostgreSQL does not allow: keep the rest as read
            ready = waiting
        for oid, _base, name, create in ready:
            made.add(oid)
            ordered.append((name, create))
        waiting = [row for row in waiting if row[0] not in made]
    creates = tuple(create for _name, create in ordered)
    # "CREATE TYPE", "CREATE DOMAIN", "CREATE COLLATION": dropped by the same word.
    drops = tuple(f"DROP {create.split()[1]} {name}" for name, create in reversed(ordered))
    return NamedTypes(creates, drops)


def known(row: Any, rows: list[Any]) -> bool:
    """Whether the type ``row`` is over is one of ``rows`` (else it is the server's own)."""
    return any(other[0] == row[1] for other in rows)


def made_beforehand(connection: Connection, metadata: MetaData, schemas: Collection[str]) -> None:
    """Mark every enum type and domain ``metadata``'s columns take as made already (rendered
    `create_type=False`): the squashed upgrade makes them before its tables. A column taking a
    domain gets back its own NOT NULL and default, which reflection reads as the domain's."""
    for table in metadata.tables.values():
        for column in table.columns:
            not_created(column.type)
    if connection.dialect.name != "postgresql":
        return
    rows = connection.exec_driver_sql(DOMAIN_COLUMNS, {"schemas": sorted(schemas)})
    for current, schema, table, name, not_null, own_default in rows:
        column = metadata.tables.get(table if current else f"{schema}.{table}")
        if column is None or name not in column.columns:
            continue
        column.columns[name].nullable = not not_null
        if not own_default:
            column.columns[name].server_default = None


def not_created(type_: Any) -> None:
    if hasattr(type_, "create_type"):
        type_.create_type = False
    for inner in (getattr(type_, "data_type", None), getattr(type_, "item_type", None)):
        if inner is not None:
            not_created(inner)
