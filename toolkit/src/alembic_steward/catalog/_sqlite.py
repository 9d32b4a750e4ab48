"""SQLite's catalog: sqlite_master and its pragmas, plus what only the stored CREATE statements
hold (catalog/_sqlite_statements.py)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from alembic_steward.catalog._column_order import add_column_order
from alembic_steward.catalog._model import Facts, Key
from alembic_steward.catalog._sqlite_statements import (
    ForeignKeyClause,
    TableClauses,
    expression,
    grouped,
    split_commas,
    table_clauses,
    text,
    tokens,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection

# SQLite's own tables (sqlite_sequence, sqlite_stat1) and automatic indexes are not the schema's.
OWN = r"m.name NOT LIKE 'sqlite\_%' ESCAPE '\'"
OBJECTS = f"SELECT type, name, tbl_name, sql FROM sqlite_master m WHERE {OWN}"
COLUMNS = (
    "SELECT m.name, c.name, c.type, c.[notnull], c.dflt_value, c.pk, c.hidden, c.cid"
    f" FROM sqlite_master m JOIN pragma_table_xinfo(m.name) c WHERE m.type = 'table' AND {OWN}"
)
# A view's columns, one view at a time: SQLite prepares the view to list them, and one that
# reads a table or column that is gone fails (`no such table: main.t`), which in the joined
# query failed the whole description (a scratch build then read as "the migrations fail").
VIEW_COLUMNS = (
    "SELECT ?, c.name, c.type, c.[notnull], c.dflt_value, c.pk, c.hidden, c.cid"
    " FROM pragma_table_xinfo(?) c ORDER BY c.pk"
)
INDEX_UNIQUENESS = (
    "SELECT m.name, i.name, i.[unique] FROM sqlite_master m JOIN pragma_index_list(m.name) i"
    f" WHERE m.type = 'table' AND {OWN}"
)
FOREIGN_KEYS = (
    "SELECT m.name, f.id, f.[table], f.[from], f.[to], f.on_update, f.on_delete"
    " FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f"
    f" WHERE m.type = 'table' AND {OWN}"
)

# The tables a virtual table keeps its data in (an fts5 table's `docs_data`, `docs_idx`...):
# its module makes and drops them, so they are described through it (SQLite 3.37 names them;
# an older one describes them as tables).
SHADOW_TABLES = "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'"
# `CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = porter)`: its module and arguments.
VIRTUAL_TABLE = re.compile(r"^\s*CREATE\s+VIRTUAL\s+TABLE\s.*?\sUSING\s+(.*)$", re.I | re.S)


# The primary key of a table a foreign key names without columns, when only the child is read.
PRIMARY_KEY_COLUMNS = (
    "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c"
    " WHERE m.type = 'table' AND c.pk > 0 AND lower(m.name) IN ({})"
    " ORDER BY m.name, c.pk"
)


def view_columns(connection: Connection, objects: dict[Key, Facts]) -> list:
    """The columns of each view in ``objects`` that SQLite can still prepare (those of one that
    reads what is gone are not listed: its definition is still compared)."""
    from sqlalchemy.exc import OperationalError

    found = []
    for kind, _schema, _table, name in objects:
        if kind != "view":
            continue
        try:
            found += list(connection.exec_driver_sql(VIEW_COLUMNS, (name, name)))
        except OperationalError:
            continue
    return found


def read(connection: Connection, owners: Collection[str] | None = None) -> dict[Key, Facts]:
    """Every table, view, column, constraint and index of the main database; only those of
    ``owners`` (tables and views, any case, with their indexes) when given."""

    def rows(query: str, order: str = "", column: str = "m.name") -> list:
        lowered = tuple(sorted({name.lower() for name in owners or ()}))
        if owners is not None:  # each query's WHERE clause ends it: the owners' condition last
            query += f" AND lower({column}) IN ({', '.join('?' * len(lowered))})"
        query += f" ORDER BY {order}" if order else ""
        return list(connection.exec_driver_sql(query, lowered))

    objects: dict[Key, Facts] = {}
    statements = {}
    for kind, name, table, sql in rows(OBJECTS, column="m.tbl_name"):
        if kind == "table" and (virtual := VIRTUAL_TABLE.match(sql or "")):
            module = " ".join(virtual.group(1).split())
            objects[("table", None, "", name)] = {"virtual table module": module}
        elif kind == "table":
            statements[name] = sql
            objects[("table", None, "", name)] = table_options(sql)
        elif kind == "view":
            objects[("view", None, "", name)] = {"definition": view_query(sql)}
        elif kind == "index" and sql:  # an automatic index is its constraint's
            objects[("index", None, table, name)] = {"definition": index_definition(sql)}
        elif kind == "trigger":
            objects[("trigger", None, table, name)] = trigger_facts(sql)
    for table, name, unique in rows(INDEX_UNIQUENESS):
        if ("index", None, table, name) in objects:
            objects[("index", None, table, name)]["unique"] = "yes" if unique else "no"
    clauses = {table: table_clauses(sql) for table, sql in statements.items()}
    primary_keys: dict[str, list[str]] = {}
    columns = rows(COLUMNS, "m.name, c.pk") + view_columns(connection, objects)
    columns.sort(key=lambda row: (row[0], row[5]))  # as one query's ORDER BY m.name, c.pk
    add_column_order(objects, ((("table", None, "", row[0]), row[7], row[1]) for row in columns))
    for table, column, type_, not_null, default, pk, hidden, _cid in columns:
        found = clauses[table].columns.get(column.lower()) if table in clauses else None
        facts = {
            # Declared types are free text: `numeric(10,2)` typed by hand is NUMERIC(10, 2).
            "type": expression(type_).upper() or None,
            "nullable": "no" if not_null else "yes",
            "default": expression(default) if default is not None else None,
            "collation": found.collation if found else None,
            "identity": "autoincrement" if found and found.autoincrement else None,
            "generated": found.generated if found and hidden in (2, 3) else None,
        }
        objects[("column", None, table, column)] = {k: v for k, v in facts.items() if v}
        if pk and table in statements:
            primary_keys.setdefault(table, []).append(column)
    for table, columns in primary_keys.items():
        first = objects[("column", None, table, columns[0])]
        # An INTEGER PRIMARY KEY is the rowid: it holds no NULL, written NOT NULL or not.
        if len(columns) == 1 and first.get("type") == "INTEGER":
            first["nullable"] = "no"
        named = clauses[table].primary_key
        facts = {"definition": f"PRIMARY KEY ({', '.join(columns).lower()})"}
        if named and named[0]:
            facts["name"] = named[0]
        objects[("primary key", None, table, "")] = facts
    for table, found in clauses.items():
        for kind, items, spelled in (
            ("unique constraint", found.uniques, "UNIQUE {}"),
            ("check constraint", found.checks, "CHECK ({})"),
        ):
            for name, clause in items:
                definition = spelled.format(clause)
                objects[(kind, None, table, name or definition)] = {"definition": definition}
    keys = rows(FOREIGN_KEYS, "m.name, f.id, f.seq")
    # `REFERENCES t` without columns means t's primary key, which was read only if t was.
    read_keys = {table.lower() for table in primary_keys}
    elsewhere = tuple({row[2].lower() for row in keys if row[4] is None} - read_keys)
    if elsewhere:
        query = PRIMARY_KEY_COLUMNS.format(", ".join("?" * len(elsewhere)))
        for table, column in connection.exec_driver_sql(query, elsewhere):
            primary_keys.setdefault(table, []).append(column)
    objects.update(foreign_keys(keys, clauses, primary_keys))
    shadows = shadow_tables(connection)
    return {key: facts for key, facts in objects.items() if (key[2] or key[3]) not in shadows}


def shadow_tables(connection: Connection) -> set[str]:
    """The virtual tables' shadow tables (SHADOW_TABLES); none on SQLite before 3.37."""
    from sqlalchemy.exc import OperationalError

    try:
        return {name for (name,) in connection.exec_driver_sql(SHADOW_TABLES)}
    except OperationalError:  # no pragma_table_list before 3.37
        return set()


def foreign_keys(
    rows: list, clauses: dict[str, TableClauses], primary_keys: dict[str, list[str]]
) -> dict[Key, Facts]:
    """Each foreign key as the pragma reads it (``rows`` of FOREIGN_KEYS: the truth SQLite
    enforces), named from the statement where it names one; `REFERENCES t` reads as the columns
    of t's primary key."""
    keys: dict[tuple[str, int], list[tuple]] = {}
    for table, id_, target, source, referred, on_update, on_delete in rows:
        keys.setdefault((table, id_), []).append((source, target, referred, on_update, on_delete))
    # The pragma numbers keys last declared first: matched in declaration order, two keys alike
    # but for a name take the statement's clauses in its order.
    unmatched = {table: list(found.foreign_keys) for table, found in clauses.items()}
    implied_keys = {table.lower(): columns for table, columns in primary_keys.items()}
    objects: dict[Key, Facts] = {}
    for (table, _id), parts in sorted(keys.items(), key=lambda item: (item[0][0], -item[0][1])):
        sources = tuple(part[0].lower() for part in parts)
        target, on_update, on_delete = parts[0][1], parts[0][3], parts[0][4]
        implied = [column.lower() for column in implied_keys.get(target.lower(), [])]
        referred = tuple(
            (part[2] or (implied[i] if i < len(implied) else "")).lower()
            for i, part in enumerate(parts)
        )
        target = target.lower()
        definition = (
            f"FOREIGN KEY ({', '.join(sources)}) REFERENCES {target}({', '.join(referred)})"
            f" ON UPDATE {on_update} ON DELETE {on_delete}"
        )
        clause = matching_clause(unmatched.get(table, []), sources, target, referred)
        name = clause.name if clause else None
        objects[("foreign key", None, table, name or definition)] = {"definition": definition}
    return objects


def matching_clause(
    clauses: list[ForeignKeyClause], sources: tuple, target: str, referred: tuple
) -> ForeignKeyClause | None:
    """Take the first of ``clauses`` that declares this key out of the list."""
    for clause in clauses:
        if (
            clause.columns == sources
            and clause.target == target
            and clause.referred in (referred, ())
        ):
            clauses.remove(clause)
            return clause
    return None


def table_options(create_table: str) -> dict[str, str]:
    """`CREATE TABLE t (...) WITHOUT ROWID, STRICT` -> those options as facts: a STRICT table
    refuses a value of another type, and one WITHOUT ROWID is stored by its primary key."""
    parts = grouped(tokens(create_table))
    body = next((i for i, part in enumerate(parts) if isinstance(part, list)), None)
    if body is None or "as" in parts[:body]:  # CREATE TABLE ... AS SELECT: no options
        return {}
    options = {part for part in parts[body + 1 :] if isinstance(part, str)}
    facts = {"strict": "yes" if "strict" in options else None}
    facts["without rowid"] = "yes" if "rowid" in options else None
    return {fact: value for fact, value in facts.items() if value}


def view_query(create_view: str) -> str:
    """`CREATE VIEW v AS SELECT ...` -> `select ...`: the key holds the name."""
    words = grouped(tokens(create_view))
    return text(words[words.index("as") + 1 :]) if "as" in words else text(words)


# The words that say when a trigger fires, written upper case as the other databases say them.
TRIGGER_WORDS = {"before", "after", "instead", "of", "insert", "update", "delete"}


def trigger_facts(create_trigger: str) -> dict[str, str]:
    """`CREATE TRIGGER [IF NOT EXISTS] t AFTER UPDATE OF a ON x FOR EACH ROW BEGIN ... END` ->
    when it fires (`AFTER UPDATE OF a`; SQLite's default is BEFORE) and the rest, after its
    table: the key holds the name and the table."""
    words = grouped(tokens(create_trigger))
    name = words.index("trigger") + (4 if words[words.index("trigger") + 1] == "if" else 1)
    on = words.index("on", name)
    timing = [word.upper() if word in TRIGGER_WORDS else word for word in words[name + 1 : on]]
    if not timing or timing[0] not in ("BEFORE", "AFTER", "INSTEAD"):
        timing.insert(0, "BEFORE")
    return {"timing": text(timing), "definition": text(words[on + 2 :])}


def index_definition(create_index: str) -> str:
    """`CREATE INDEX ix ON t (a DESC, b ASC) WHERE b` -> `(a desc, b) where b`: the key holds
    the rest; ASC is every column's order unless told, so it is left out."""
    words = grouped(tokens(create_index))
    on = words.index("on")
    rest = words[on + 2 :]
    if rest and isinstance(rest[0], list):
        columns = [piece[:-1] if piece[-1] == "asc" else piece for piece in split_commas(rest[0])]
        rest[0] = [word for piece in columns for word in [*piece, ","]][:-1]
    return text(rest)
