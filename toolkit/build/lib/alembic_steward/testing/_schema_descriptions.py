"""Each database's own description of its tables, read from its catalog, one table at a time.

A description is a frozenset of rows ``(kind, ...)`` in the database's canonical text
(PostgreSQL's pg_get_constraintdef and format_type, MySQL's SHOW CREATE TABLE, SQLite's stored
CREATE statements), so two descriptions of a table are equal exactly when its schema is. Rows
belong to the table they describe; a sequence a column owns belongs to that column's table,
and a PostgreSQL enum type is described on its own, under the key ``type NAME``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

Description = frozenset[tuple]

IN_SCHEMA = "relnamespace = current_schema()::regnamespace"
NAMES = "ANY(%(names)s::name[])"  # typed as name: so the catalog's indexes on names serve
# A sequence that a serial or identity column owns is described with that column's table.
OWNED = (
    "pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass"
    " AND d.deptype IN ('a', 'i')"
)
POSTGRESQL_NAMES = (
    f"SELECT relname FROM pg_class c WHERE {IN_SCHEMA} AND relkind IN ('r','p','v','m','S')"
    f" AND NOT (relkind = 'S' AND EXISTS (SELECT FROM {OWNED} AND d.objid = c.oid))"
    " UNION ALL SELECT 'type ' || typname FROM pg_type"
    " WHERE typnamespace = current_schema()::regnamespace AND typtype = 'e'"
)
POSTGRESQL_DESCRIPTIONS = (
    "SELECT relname, 'relation', ARRAY[relname::text, relkind::text] FROM pg_class c"
    f" WHERE {IN_SCHEMA} AND relname = {NAMES} AND relkind IN ('r','p','v','m','S')"
    f" AND NOT (relkind = 'S' AND EXISTS (SELECT FROM {OWNED} AND d.objid = c.oid))"
    " UNION ALL SELECT t.relname, 'relation', ARRAY[s.relname::text, 'S'] FROM pg_class t"
    f" JOIN {OWNED.replace(' WHERE ', ' ON ')} AND d.refobjid = t.oid"
    " JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
    f" WHERE t.{IN_SCHEMA} AND t.relname = {NAMES}"
    " UNION ALL SELECT c.relname, 'column', ARRAY[a.attname::text,"
    " format_type(a.atttypid, a.atttypmod), a.attnotnull::text, pg_get_expr(d.adbin, d.adrelid),"
    " a.attgenerated::text, a.attidentity::text, a.attcollation::regcollation::text]"
    " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
    " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    f" WHERE c.{IN_SCHEMA} AND c.relname = {NAMES} AND c.relkind IN ('r','p','v','m')"
    " AND a.attnum > 0 AND NOT a.attisdropped"
    " UNION ALL SELECT c.relname, 'constraint', ARRAY[k.conname::text, pg_get_constraintdef(k.oid)]"
    " FROM pg_class c JOIN pg_constraint k ON k.conrelid = c.oid"
    f" WHERE c.{IN_SCHEMA} AND c.relname = {NAMES}"
    " UNION ALL SELECT t.relname, 'index', ARRAY[i.relname::text, pg_get_indexdef(x.indexrelid)]"
    " FROM pg_class t JOIN pg_index x ON x.indrelid = t.oid JOIN pg_class i ON i.oid = x.indexrelid"
    f" WHERE t.{IN_SCHEMA} AND t.relname = {NAMES}"
    # Enum types outlive the tables that use them: a downgrade must drop them itself.
    " UNION ALL SELECT 'type ' || t.typname, 'enum',"
    " ARRAY[string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)]"
    " FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid"
    " WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype = 'e'"
    " AND t.typname = ANY(%(types)s::name[]) GROUP BY t.typname"
)
SQLITE_NAMES = "SELECT DISTINCT tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
SQLITE_DESCRIPTIONS = (
    "SELECT tbl_name, type, name, sql FROM sqlite_master"
    " WHERE name NOT LIKE 'sqlite_%' AND lower(tbl_name) IN ({})"
)
MYSQL_NO_SUCH_TABLE = 1146
# The next number a table hands out changes with its rows, not with its schema.
MYSQL_ROW_COUNTER = re.compile(r" AUTO_INCREMENT=\d+")
REFERENCES = re.compile(r'REFERENCES\s+(?:[`"]?\w+[`"]?\.)?[`"]?([^`"(\s]+)')


def all_names(connection: Connection) -> set[str]:
    """The key of every table, view, unowned sequence and (PostgreSQL) enum type."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return set(connection.exec_driver_sql(POSTGRESQL_NAMES).scalars())
    if dialect == "sqlite":
        return set(connection.exec_driver_sql(SQLITE_NAMES).scalars())
    return {row[0] for row in connection.exec_driver_sql("SHOW FULL TABLES")}


def describe(connection: Connection, names: Collection[str]) -> dict[str, Description]:
    """Describe each of ``names`` that exists; a name that does not is left out."""
    if not names:
        return {}
    rows: dict[str, set[tuple]] = defaultdict(set)
    dialect = connection.dialect.name
    if dialect == "postgresql":
        types = sorted(name.removeprefix("type ") for name in names if name.startswith("type "))
        parameters = {"names": sorted(names), "types": types}
        # Planning this query costs more than running it for a few tables: plan it once, for
        # any names, in this transaction only (the migrations run in transactions of their own).
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        driver = connection.connection.driver_connection
        query = driver.execute(POSTGRESQL_DESCRIPTIONS, parameters, prepare=True)
        for key, kind, details in query:
            rows[key].add((kind, *details))
    elif dialect == "sqlite":
        lowered = tuple(sorted({name.lower() for name in names}))
        marks = ", ".join("?" * len(lowered))
        for table, kind, name, sql in connection.exec_driver_sql(
            SQLITE_DESCRIPTIONS.format(marks), lowered
        ):
            rows[table].add((kind, name, sql))
    else:
        for name in names:
            statement = mysql_create_statement(connection, name)
            if statement is not None:
                lines = statement.splitlines()
                rows[name] = {("definition", line.strip().rstrip(",")) for line in lines}
    return {key: frozenset(found) for key, found in rows.items()}


def mysql_create_statement(connection: Connection, table: str) -> str | None:
    """SHOW CREATE TABLE's statement for ``table`` (or view), without its row counter."""
    quoted = "`" + table.replace("`", "``") + "`"
    try:
        row = connection.exec_driver_sql(f"SHOW CREATE TABLE {quoted}").one()
    except DBAPIError as error:
        if error.orig is not None and error.orig.args[0] == MYSQL_NO_SUCH_TABLE:
            return None
        raise
    return MYSQL_ROW_COUNTER.sub("", row[1])


def referenced_tables(description: Description) -> frozenset[str]:
    """The tables a description's foreign keys refer to."""
    text = " ".join(str(field) for row in description for field in row)
    return frozenset(REFERENCES.findall(text))


def index_tables(descriptions: dict[str, Description]) -> dict[str, str]:
    """Each index's name -> its table, from PostgreSQL's and SQLite's descriptions."""
    return {
        row[1]: table
        for table, description in descriptions.items()
        for row in description
        if row[0] == "index"
    }
