"""MySQL's and MariaDB's catalog, read from information_schema for the current database, in
the server's own text (COLUMN_TYPE, CHECK_CLAUSE, ...)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from alembic_steward.catalog._model import Facts, Key

if TYPE_CHECKING:
    from sqlalchemy import Connection

HERE = "TABLE_SCHEMA = DATABASE()"
DATABASE = (
    "SELECT SCHEMA_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA"
    " WHERE SCHEMA_NAME = DATABASE()"
)
TABLES = (
    "SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT, TABLE_COLLATION, ENGINE"
    f" FROM information_schema.TABLES WHERE {HERE}"
)
COLUMNS = (
    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,"
    " GENERATION_EXPRESSION, COLLATION_NAME, COLUMN_COMMENT"
    f" FROM information_schema.COLUMNS WHERE {HERE}"
)
KEY_COLUMNS = (
    "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, k.COLUMN_NAME,"
    " k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME"
    " FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.TABLE_CONSTRAINTS c"
    " ON c.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME"
    " AND c.CONSTRAINT_NAME = k.CONSTRAINT_NAME"
    " WHERE k.TABLE_SCHEMA = DATABASE() AND c.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'FOREIGN KEY')"
    " ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
)
RULES = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE"
    " FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
)
# MariaDB names a CHECK per table (a column-level one after its column, so two tables may
# both have `price`) and says which; MySQL names one per database and leaves the table to
# TABLE_CONSTRAINTS.
MARIADB_CHECKS = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
    " WHERE CONSTRAINT_SCHEMA = DATABASE()"
)
MYSQL_CHECKS = (
    "SELECT t.TABLE_NAME, c.CONSTRAINT_NAME, c.CHECK_CLAUSE"
    " FROM information_schema.CHECK_CONSTRAINTS c"
    " JOIN information_schema.TABLE_CONSTRAINTS t ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA"
    " AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND t.CONSTRAINT_TYPE = 'CHECK'"
    " WHERE c.CONSTRAINT_SCHEMA = DATABASE()"
)
INDEXES = (
    "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION, INDEX_TYPE,"
    " {expression} FROM information_schema.STATISTICS WHERE {here}"
    " ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
)
VIEWS = f"SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE {HERE}"
# The names the server gives a foreign key or CHECK nobody named: they follow the order the
# constraints were made in, so the same schema built two ways numbers them differently; such a
# constraint is known by what it does.
AUTOMATIC_FOREIGN_KEY = re.compile(r"_ibfk_\d+$")
AUTOMATIC_CHECK = re.compile(r"^CONSTRAINT_\d+$|_chk_\d+$")
# InnoDB has no deferred checks: NO ACTION is RESTRICT, and MariaDB says which was typed.
RULES_SPELLED = {"NO ACTION": "RESTRICT"}


def read(connection: Connection) -> dict[Key, Facts]:
    """Every table, view, column, constraint, index and (MariaDB) sequence of this database."""
    database, database_collation = connection.exec_driver_sql(DATABASE).one()
    objects: dict[Key, Facts] = {}
    sequences = []
    table_collations = {}
    for table, type_, comment, collation, engine in connection.exec_driver_sql(TABLES):
        if type_ == "SEQUENCE":
            sequences.append(table)
            continue
        kind = "view" if type_ == "VIEW" else "table"
        table_collations[table] = collation
        # Only a collation other than the database's own is a choice the schema made.
        facts = {
            "comment": comment or None,
            "collation": collation if collation != database_collation else None,
            "engine": engine,
        }
        objects[(kind, None, "", table)] = present(facts)
    for table, definition in connection.exec_driver_sql(VIEWS):
        objects[("view", None, "", table)] = {"definition": view_query(definition, database)}
    for (
        table,
        column,
        type_,
        nullable,
        default,
        extra,
        generated,
        collation,
        comment,
    ) in connection.exec_driver_sql(COLUMNS):
        if table in sequences:
            continue
        # A view's column shows its table column's default; the view itself has none.
        default = None if ("view", None, "", table) in objects else default
        objects[("column", None, table, column)] = column_facts(
            type_, nullable, default, extra, generated, comment
        )
        if collation and collation != table_collations.get(table):
            objects[("column", None, table, column)]["collation"] = collation
    objects.update(constraints(connection, database))
    objects.update(indexes(connection))
    for name in sequences:
        row = connection.exec_driver_sql(f"SHOW CREATE SEQUENCE {quoted(name)}").one()
        options = row[1].split(name, 1)[-1].strip().strip("`").strip()
        objects[("sequence", None, "", name)] = {"options": " ".join(options.split())}
    return objects


def column_facts(
    type_: str,
    nullable: str,
    default: str | None,
    extra: str,
    generated: str | None,
    comment: str | None,
) -> dict[str, str]:
    """A column's facts in one spelling for MariaDB and MySQL: EXTRA's words become identity,
    generated and on update; a default of NULL (MariaDB's text for none) is none."""
    extra = extra.lower().replace("default_generated", "")
    kind = "virtual" if "virtual generated" in extra else "stored"
    on_update = re.search(r"on update (.+)$", extra.strip())
    facts = {
        "type": type_,
        "nullable": "yes" if nullable == "YES" else "no",
        "default": None if generated or default == "NULL" else default,
        "identity": "auto_increment" if "auto_increment" in extra else None,
        "generated": f"{generated} {kind}" if generated else None,
        "on update": on_update.group(1) if on_update else None,
        "comment": comment or None,
    }
    return present(facts)


def view_query(definition: str, database: str) -> str:
    """The view's query, without the current database's name on every table and column (so two
    databases holding the same view describe it the same)."""
    return " ".join(definition.replace(f"{quoted(database)}.", "").split())


def constraints(connection: Connection, database: str) -> dict[Key, Facts]:
    columns: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    kinds = {}
    for table, name, kind, column, ref_schema, ref_table, ref_column in connection.exec_driver_sql(
        KEY_COLUMNS
    ):
        columns[(table, name)].append((column, ref_schema, ref_table, ref_column))
        kinds[(table, name)] = kind
    rules = {
        (table, name): (RULES_SPELLED.get(update, update), RULES_SPELLED.get(delete, delete))
        for table, name, update, delete in connection.exec_driver_sql(RULES)
    }
    objects: dict[Key, Facts] = {}
    for (table, name), parts in columns.items():
        names = ", ".join(part[0] for part in parts)
        kind = kinds[(table, name)]
        if kind == "PRIMARY KEY":
            objects[("primary key", None, table, "")] = {"definition": f"PRIMARY KEY ({names})"}
        elif kind == "FOREIGN KEY":
            ref_schema, ref_table = parts[0][1], parts[0][2]
            target = ref_table if ref_schema == database else f"{ref_schema}.{ref_table}"
            update, delete = rules.get((table, name), ("RESTRICT", "RESTRICT"))
            definition = (
                f"FOREIGN KEY ({names}) REFERENCES {target}({', '.join(p[3] for p in parts)})"
                f" ON UPDATE {update} ON DELETE {delete}"
            )
            key_name = definition if AUTOMATIC_FOREIGN_KEY.search(name) else name
            objects[("foreign key", None, table, key_name)] = {"definition": definition}
    for table, name, clause in connection.exec_driver_sql(checks_query(connection)):
        definition = f"CHECK ({' '.join(clause.split())})"
        key_name = definition if AUTOMATIC_CHECK.search(name) else name
        objects[("check constraint", None, table, key_name)] = {"definition": definition}
    return objects


def checks_query(connection: Connection) -> str:
    has_table = connection.exec_driver_sql(
        "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'information_schema'"
        " AND TABLE_NAME = 'CHECK_CONSTRAINTS' AND COLUMN_NAME = 'TABLE_NAME'"
    ).scalar_one()
    return MARIADB_CHECKS if has_table else MYSQL_CHECKS


def indexes(connection: Connection) -> dict[Key, Facts]:
    """Every index but the primary key's; a unique constraint is its unique index here (the
    server keeps no other kind, so `CREATE UNIQUE INDEX` and `UNIQUE (...)` are one thing)."""
    has_expression = connection.exec_driver_sql(
        "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'information_schema'"
        " AND TABLE_NAME = 'STATISTICS' AND COLUMN_NAME = 'EXPRESSION'"
    ).scalar_one()
    query = INDEXES.format(expression="EXPRESSION" if has_expression else "NULL", here=HERE)
    parts: dict[tuple[str, str], list[str]] = defaultdict(list)
    shapes = {}
    for (
        table,
        name,
        non_unique,
        column,
        sub_part,
        order,
        type_,
        expression,
    ) in connection.exec_driver_sql(query):
        if name == "PRIMARY":  # described with the primary key
            continue
        part = column if column is not None else f"({expression})"
        part += f"({sub_part})" if sub_part else ""
        part += " DESC" if order == "D" else ""
        parts[(table, name)].append(part)
        shapes[(table, name)] = ("no" if non_unique else "yes", type_)
    return {
        ("index", None, table, name): {
            "unique": shapes[(table, name)][0],
            "definition": f"USING {shapes[(table, name)][1]} ({', '.join(columns)})",
        }
        for (table, name), columns in parts.items()
    }


def quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def present(facts: dict[str, str | None]) -> dict[str, str]:
    return {fact: value for fact, value in facts.items() if value is not None}
