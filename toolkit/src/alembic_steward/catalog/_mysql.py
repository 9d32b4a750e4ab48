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
    " WHERE k.TABLE_SCHEMA = DATABASE()"
    " ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
)
RULES = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE"
    " FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
)
# MySQL's CHECK_CONSTRAINTS has no table: TABLE_CONSTRAINTS gives it.
CHECKS = (
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
# The names MySQL gives a foreign key nobody named: they follow the order the keys were made
# in, so the same schema built two ways numbers them differently; such a key is known by what
# it does.
AUTOMATIC_FOREIGN_KEY = re.compile(r"_ibfk_\d+$")


def read(connection: Connection) -> dict[Key, Facts]:
    """Every table, view, column, constraint, index and (MariaDB) sequence of this database."""
    objects: dict[Key, Facts] = {}
    sequences = []
    for table, type_, comment, collation, engine in connection.exec_driver_sql(TABLES):
        if type_ == "SEQUENCE":
            sequences.append(table)
            continue
        kind = "view" if type_ == "VIEW" else "table"
        facts = {"comment": comment or None, "collation": collation, "engine": engine}
        objects[(kind, None, "", table)] = present(facts)
    for table, definition in connection.exec_driver_sql(VIEWS):
        objects[("view", None, "", table)] = {"definition": " ".join(definition.split())}
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
        facts = {
            "type": type_,
            "nullable": "yes" if nullable == "YES" else "no",
            "default": None if generated else default,
            "extra": " ".join(extra.replace("DEFAULT_GENERATED", "").split()).lower() or None,
            "generated": generated or None,
            "collation": collation,
            "comment": comment or None,
        }
        objects[("column", None, table, column)] = present(facts)
    objects.update(constraints(connection))
    objects.update(
        indexes(connection, {key[3] for key in objects if key[0] == "unique constraint"})
    )
    for name in sequences:
        row = connection.exec_driver_sql(f"SHOW CREATE SEQUENCE {quoted(name)}").one()
        options = row[1].split(name, 1)[-1].strip().strip("`").strip()
        objects[("sequence", None, "", name)] = {"options": " ".join(options.split())}
    return objects


def constraints(connection: Connection) -> dict[Key, Facts]:
    columns: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    kinds = {}
    for table, name, kind, column, ref_schema, ref_table, ref_column in connection.exec_driver_sql(
        KEY_COLUMNS
    ):
        columns[(table, name)].append((column, ref_schema, ref_table, ref_column))
        kinds[(table, name)] = kind
    rules = {
        (table, name): (update, delete)
        for table, name, update, delete in connection.exec_driver_sql(RULES)
    }
    database = connection.exec_driver_sql("SELECT DATABASE()").scalar_one()
    objects: dict[Key, Facts] = {}
    for (table, name), parts in columns.items():
        names = ", ".join(part[0] for part in parts)
        kind = kinds[(table, name)]
        if kind == "PRIMARY KEY":
            objects[("primary key", None, table, "")] = {"definition": f"PRIMARY KEY ({names})"}
        elif kind == "UNIQUE":
            objects[("unique constraint", None, table, name)] = {"definition": f"UNIQUE ({names})"}
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
    for table, name, clause in connection.exec_driver_sql(CHECKS):
        objects[("check constraint", None, table, name)] = {"definition": " ".join(clause.split())}
    return objects


def indexes(connection: Connection, unique_constraints: set[str]) -> dict[Key, Facts]:
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
        # A primary key's and a unique constraint's index are described with the constraint.
        if name == "PRIMARY" or (not non_unique and name in unique_constraints):
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
