"""Describe a database's whole schema in a few catalog queries, to compare it between steps.

The stairway takes a snapshot before and after every step, so each must cost one round trip or
a handful, whatever the number of tables: SQLAlchemy's inspector would read table by table.
Each server's own catalog gives its canonical text (PostgreSQL's pg_get_constraintdef,
MySQL's COLUMN_TYPE), so two snapshots of one database are equal exactly when the schemas are.
SQLite keeps each table's CREATE statement, which fixes its schema: equal statements are equal
schemas, and only tables whose statement changed are described column by column (through
SQLite's pragmas, in a scratch in-memory database), so a table rebuilt by batch mode with the
same schema in other words is no difference. Alembic's and the bookkeeping tables are left out.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from sqlalchemy import Connection

from app.migrations.bookkeeping import include_name

Snapshot = dict[str, frozenset[tuple]]

SQLITE_STATEMENTS = {
    "statements": "SELECT tbl_name, type, name, sql FROM sqlite_master"
    " WHERE name NOT LIKE 'sqlite_%'"
}
SQLITE_DETAILS = {
    "tables": "SELECT tbl_name, type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
    # hidden: 2 or 3 marks a generated column (its expression lives only in the table's SQL).
    "columns": "SELECT m.name, c.name, c.type, c.[notnull], c.dflt_value, c.pk, c.hidden"
    " FROM sqlite_master m JOIN pragma_table_xinfo(m.name) c WHERE m.type = 'table'",
    "indexes": "SELECT m.name, i.name, i.[unique], i.origin, i.partial, group_concat(x.name)"
    " FROM sqlite_master m JOIN pragma_index_list(m.name) i JOIN pragma_index_info(i.name) x"
    " WHERE m.type = 'table' GROUP BY m.name, i.name",
    "foreign keys": "SELECT m.name, f.id, f.[table], f.[from], f.[to], f.on_update, f.on_delete"
    " FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
}
POSTGRESQL = {
    "relations": "SELECT relname, relkind FROM pg_class"
    " WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r','p','v','m','S')",
    "columns": "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
    " pg_get_expr(d.adbin, d.adrelid), a.attgenerated, a.attidentity"
    " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r','p','v','m')"
    " AND a.attnum > 0 AND NOT a.attisdropped",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
    " FROM pg_constraint WHERE connamespace = current_schema()::regnamespace",
    "indexes": "SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
    " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
    " WHERE t.relnamespace = current_schema()::regnamespace",
    # Enum types outlive the tables that use them: a downgrade must drop them itself.
    "types": "SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)"
    " FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid"
    " WHERE t.typnamespace = current_schema()::regnamespace GROUP BY t.typname",
}
MYSQL = {
    "tables": "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = DATABASE()",
    "columns": "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,"
    " GENERATION_EXPRESSION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
    "indexes": "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME"
    " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()",
    "keys": "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME,"
    " REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
    " WHERE TABLE_SCHEMA = DATABASE()",
    "checks": "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE"
    " FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()",
}
QUERIES = {"sqlite": SQLITE_STATEMENTS, "postgresql": POSTGRESQL, "mysql": MYSQL, "mariadb": MYSQL}


def schema_snapshot(connection: Connection) -> Snapshot:
    """Every table, column, default, key, index and (PostgreSQL) enum type, as sets of rows."""
    snapshot = {}
    for kind, sql in QUERIES[connection.dialect.name].items():
        rows = connection.exec_driver_sql(sql).fetchall()
        # Row 0 names the table (or type); a bookkeeping table's rows say nothing of the models.
        snapshot[kind] = frozenset(tuple(row) for row in rows if is_model_table(str(row[0])))
    if connection.in_transaction():
        connection.commit()
    return snapshot


def is_model_table(name: str) -> bool:
    return name != "alembic_version" and include_name(name, "table", {})


def snapshot_tables(snapshot: Snapshot) -> set[str]:
    """The tables a snapshot holds."""
    if "statements" in snapshot:
        return {row[0] for row in snapshot["statements"] if row[1] == "table"}
    return {row[0] for row in snapshot["columns"]}


def sqlite_details(statements: frozenset[tuple], tables: set[str]) -> Snapshot:
    """Describe ``tables`` column by column from their CREATE statements, as SQLite reads them."""
    scratch = sqlite3.connect(":memory:")
    try:
        # Tables first: an index's statement needs its table.
        for _table, _kind, _name, sql in sorted(statements, key=lambda row: row[1] != "table"):
            if sql and _table in tables:
                scratch.execute(sql)
        return {
            kind: frozenset(tuple(row) for row in scratch.execute(sql))
            for kind, sql in SQLITE_DETAILS.items()
        }
    finally:
        scratch.close()


def describe_changes(before: Snapshot, after: Snapshot) -> list[str]:
    """List, per table, what one snapshot has that the other lacks, in readable lines."""
    if "statements" in before:
        changed = {row[0] for row in before["statements"] ^ after["statements"]}
        if not changed:
            return []
        before = sqlite_details(before["statements"], changed)
        after = sqlite_details(after["statements"], changed)
    changes: dict[str, list[str]] = defaultdict(list)
    for kind in before:
        old, new = before[kind], after[kind]
        for row in sorted(old - new, key=repr):
            changes[str(row[0])].append(f"{kind} lost {row[1:]}")
        for row in sorted(new - old, key=repr):
            changes[str(row[0])].append(f"{kind} gained {row[1:]}")
    return [f"{name}: {'; '.join(lines)}" for name, lines in sorted(changes.items())]
