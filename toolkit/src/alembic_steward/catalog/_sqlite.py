"""SQLite's catalog: sqlite_master and its pragmas, plus what only the stored CREATE statements
hold (catalog/_sqlite_statements.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.catalog._model import Facts, Key
from alembic_steward.catalog._sqlite_statements import (
    expression,
    grouped,
    table_clauses,
    text,
    tokens,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

OBJECTS = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
COLUMNS = (
    "SELECT m.name, c.name, c.type, c.[notnull], c.dflt_value, c.pk, c.hidden"
    " FROM sqlite_master m JOIN pragma_table_xinfo(m.name) c WHERE m.type IN ('table', 'view')"
    " ORDER BY m.name, c.pk"
)
INDEX_UNIQUENESS = (
    "SELECT m.name, i.name, i.[unique] FROM sqlite_master m JOIN pragma_index_list(m.name) i"
    " WHERE m.type = 'table'"
)
FOREIGN_KEYS = (
    "SELECT m.name, f.id, f.[table], f.[from], f.[to], f.on_update, f.on_delete"
    " FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
    " ORDER BY m.name, f.id, f.seq"
)


def read(connection: Connection) -> dict[Key, Facts]:
    """Every table, view, column, constraint and index of the main database."""
    objects: dict[Key, Facts] = {}
    statements = {}
    for kind, name, table, sql in connection.exec_driver_sql(OBJECTS):
        if kind == "table":
            statements[name] = sql
            objects[("table", None, "", name)] = {}
        elif kind == "view":
            objects[("view", None, "", name)] = {"definition": expression(sql)}
        elif kind == "index" and sql:  # an automatic index is its constraint's
            objects[("index", None, table, name)] = {"definition": index_definition(sql)}
    for table, name, unique in connection.exec_driver_sql(INDEX_UNIQUENESS):
        if ("index", None, table, name) in objects:
            objects[("index", None, table, name)]["unique"] = "yes" if unique else "no"
    clauses = {table: table_clauses(sql) for table, sql in statements.items()}
    primary_keys: dict[str, list[str]] = {}
    for table, column, type_, not_null, default, pk, hidden in connection.exec_driver_sql(COLUMNS):
        found = clauses[table].columns.get(column.lower()) if table in clauses else None
        facts = {
            "type": type_ or None,
            "nullable": "no" if not_null else "yes",
            "default": expression(default) if default is not None else None,
            "collation": found.collation if found else None,
            "generated": found.generated if found and hidden in (2, 3) else None,
        }
        objects[("column", None, table, column)] = {k: v for k, v in facts.items() if v}
        if pk and table in statements:
            primary_keys.setdefault(table, []).append(column)
    for table, columns in primary_keys.items():
        named = clauses[table].primary_key
        facts = {"definition": f"PRIMARY KEY ({', '.join(columns).lower()})"}
        if named and named[0]:
            facts["name"] = named[0]
        objects[("primary key", None, table, "")] = facts
    for table, found in clauses.items():
        for kind, items in (
            ("unique constraint", found.uniques),
            ("check constraint", found.checks),
        ):
            for name, definition in items:
                objects[(kind, None, table, name or definition)] = {"definition": definition}
    objects.update(foreign_keys(connection, clauses))
    return objects


def foreign_keys(connection: Connection, clauses: dict) -> dict[Key, Facts]:
    """Each foreign key as the pragma reads it (the truth SQLite enforces), named from the
    statement where it names one."""
    keys: dict[tuple[str, int], list[tuple]] = {}
    for table, id_, target, source, referred, on_update, on_delete in connection.exec_driver_sql(
        FOREIGN_KEYS
    ):
        keys.setdefault((table, id_), []).append((source, target, referred, on_update, on_delete))
    objects: dict[Key, Facts] = {}
    for (table, _id), parts in keys.items():
        sources = ", ".join(part[0].lower() for part in parts)
        referred = ", ".join((part[2] or "").lower() for part in parts)
        target, on_update, on_delete = parts[0][1], parts[0][3], parts[0][4]
        definition = (
            f"FOREIGN KEY ({sources}) REFERENCES {target.lower()}({referred})"
            f" ON UPDATE {on_update} ON DELETE {on_delete}"
        )
        name = statement_name(clauses.get(table), sources, target.lower())
        objects[("foreign key", None, table, name or definition)] = {"definition": definition}
    return objects


def statement_name(found, sources: str, target: str) -> str | None:
    """The name the CREATE statement gives the foreign key on ``sources`` to ``target``."""
    if found is None:
        return None
    for name, definition in found.foreign_keys:
        words = tokens(definition)
        if (
            name
            and words[: len(tokens(f"({sources})"))] == tokens(f"({sources})")
            and target in words
        ):
            return name
    return None


def index_definition(create_index: str) -> str:
    """`CREATE INDEX ix ON t (a DESC) WHERE b` -> `(a desc) where b`: the key holds the rest."""
    words = grouped(tokens(create_index))
    on = words.index("on")
    return text(words[on + 2 :])
