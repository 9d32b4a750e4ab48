"""MySQL's and MariaDB's catalog, read from information_schema for the current database, in
the server's own text (COLUMN_TYPE, CHECK_CLAUSE, ...)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import text

from alembic_steward.catalog._column_order import add_column_order
from alembic_steward.catalog._model import Facts, Key
from alembic_steward.catalog._mysql_events import events
from alembic_steward.catalog._mysql_foreign_key_indexes import without_foreign_keys_own_indexes
from alembic_steward.catalog._mysql_table_options import table_option_facts, without_period_columns

if TYPE_CHECKING:
    from sqlalchemy import Connection

HERE = "TABLE_SCHEMA = DATABASE()"
DATABASE = (
    "SELECT SCHEMA_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA"
    " WHERE SCHEMA_NAME = DATABASE()"
)
TABLES = (
    "SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT, TABLE_COLLATION, ENGINE, AUTO_INCREMENT,"
    f" CREATE_OPTIONS FROM information_schema.TABLES WHERE {HERE}"
)
# A ROW_FORMAT the table was made or altered with (CREATE_OPTIONS names only one typed): it
# decides how long an index prefix and a row may be, and COMPRESSED whether pages are
# compressed. The other options there: catalog/_mysql_table_options.py.
ROW_FORMAT = re.compile(r"\brow_format=(\w+)", re.IGNORECASE)
COLUMNS = (
    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,"
    " GENERATION_EXPRESSION, COLLATION_NAME, COLUMN_COMMENT, ORDINAL_POSITION"
    f" FROM information_schema.COLUMNS WHERE {HERE}"
)
# The primary key is always named PRIMARY, and only a foreign key refers to another table.
KEY_COLUMNS = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA,"
    " REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME, ORDINAL_POSITION"
    " FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE()"
    " AND (CONSTRAINT_NAME = 'PRIMARY' OR REFERENCED_TABLE_NAME IS NOT NULL)"
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
    " {expression}, SEQ_IN_INDEX, {ignored}, INDEX_COMMENT FROM information_schema.STATISTICS"
    " WHERE {here}"
)
# An index the optimizer may not use: MariaDB's IGNORED, MySQL's INVISIBLE (IS_VISIBLE = 'NO').
IGNORED_INDEX = {"IGNORED": "IGNORED = 'YES'", "IS_VISIBLE": "IS_VISIBLE = 'NO'"}
# A view's CHECK OPTION, SQL SECURITY and (MariaDB's column) ALGORITHM: which rows an insert
# through it may write, whose rights it reads with, and whether it is merged or materialized.
VIEWS = (
    "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, {algorithm}"
    " FROM information_schema.VIEWS WHERE {here}"
)
# What CREATE VIEW makes when it names none: read as absent.
VIEW_DEFAULTS = {"check option": "NONE", "sql security": "DEFINER", "algorithm": "UNDEFINED"}
# Who made a trigger (DEFINER) and the session's sql_mode then are no part of the schema.
TRIGGERS = (
    "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION,"
    " ACTION_ORIENTATION, ACTION_STATEMENT FROM information_schema.TRIGGERS"
    " WHERE EVENT_OBJECT_SCHEMA = DATABASE()"
)
# Stored functions and procedures; who made one (DEFINER) and the sql_mode then are no part of
# the schema, as for a trigger. Position 0 of a function's parameters is what it returns.
ROUTINES = (
    "SELECT ROUTINE_NAME, ROUTINE_TYPE, IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE,"
    " ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
)
PARAMETERS = (
    "SELECT SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION, PARAMETER_MODE, PARAMETER_NAME,"
    " DTD_IDENTIFIER FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE()"
)
# The names the server gives a foreign key or CHECK nobody named: they follow the order the
# constraints were made in, so the same schema built two ways numbers them differently; such a
# constraint is known by what it does.
AUTOMATIC_FOREIGN_KEY = re.compile(r"_ibfk_\d+$")
AUTOMATIC_CHECK = re.compile(r"^CONSTRAINT_\d+$|_chk_\d+$")
# InnoDB has no deferred checks: NO ACTION is RESTRICT, and MariaDB says which was typed.
RULES_SPELLED = {"NO ACTION": "RESTRICT"}


class Rows:
    """Run the catalog's queries on ``connection``, for ``owners`` only when given."""

    def __init__(self, connection: Connection, owners: Collection[str] | None) -> None:
        self.connection = connection
        self.owners = sorted(set(owners)) if owners is not None else None

    def __call__(self, query: str, column: str = "TABLE_NAME", order: str = "") -> list:
        """The rows of ``query`` (whose WHERE clause ends it), ordered by ``order``'s columns
        (by their numbers)."""
        ordered = f" ORDER BY {order}" if order else ""
        if self.owners is None:
            return list(self.connection.exec_driver_sql(query + ordered))
        if not self.owners:
            return []
        # MariaDB reads information_schema for one table without opening every other table's
        # definition only where the name is compared with `=`: one branch per owner.
        branches = [f"{query} AND {column} = :owner_{i}" for i in range(len(self.owners))]
        names = {f"owner_{i}": name for i, name in enumerate(self.owners)}
        return list(self.connection.execute(text(" UNION ALL ".join(branches) + ordered), names))

    def server_has(self, table: str, column: str) -> bool:
        """Whether the server's information_schema ``table`` has ``column`` (asked once)."""
        known = self.connection.info.setdefault("alembic_steward.information_schema", {})
        if (table, column) not in known:
            known[(table, column)] = bool(
                self.connection.exec_driver_sql(
                    "SELECT COUNT(*) FROM information_schema.COLUMNS"
                    f" WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = '{table}'"
                    f" AND COLUMN_NAME = '{column}'"
                ).scalar_one()
            )
        return known[(table, column)]


def read(connection: Connection, owners: Collection[str] | None = None) -> dict[Key, Facts]:
    """Every table, view, column, constraint, index, trigger, stored routine and (MariaDB)
    sequence of this database; only those of ``owners`` (tables, views, sequences and
    routines) when given."""
    rows = Rows(connection, owners)
    database, database_collation = connection.exec_driver_sql(DATABASE).one()
    objects: dict[Key, Facts] = {}
    sequences = []
    table_collations = {}
    counters = {}
    positions: list[tuple[Key, int, str]] = []
    objects.update(routines(rows))
    objects.update(events(rows))
    for table, type_, comment, collation, engine, counter, options in rows(TABLES):
        if type_ == "SEQUENCE":
            sequences.append(table)
            continue
        kind = "view" if type_ == "VIEW" else "table"
        table_collations[table] = collation
        # Only a collation other than the database's own is a choice the schema made.
        row_format = ROW_FORMAT.search(options or "")
        facts = {
            "comment": comment or None,
            "collation": collation if collation != database_collation else None,
            "engine": engine,
            "row format": row_format.group(1).upper() if row_format else None,
            **table_option_facts(type_, options),
        }
        objects[(kind, None, "", table)] = present(facts)
        counters[table] = counter
    if not table_collations and not sequences:
        return objects  # none of the owners' tables exists: nothing else to read
    if any(key[0] == "view" for key in objects):
        algorithm = "ALGORITHM" if rows.server_has("VIEWS", "ALGORITHM") else "NULL"
        for table, definition, check, security, merge in rows(
            VIEWS.format(algorithm=algorithm, here=HERE)
        ):
            facts = {"check option": check, "sql security": security, "algorithm": merge}
            objects[("view", None, "", table)] = {
                "definition": view_query(definition, database),
                **{
                    fact: value.upper()
                    for fact, value in facts.items()
                    if value and value.upper() != VIEW_DEFAULTS[fact]
                },
            }
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
        position,
    ) in rows(COLUMNS):
        if table in sequences:
            continue
        positions.append((("table", None, "", table), position, column))
        # A view's column shows its table column's default; the view itself has none.
        default = None if ("view", None, "", table) in objects else default
        objects[("column", None, table, column)] = column_facts(
            type_, nullable, default, extra, generated, comment
        )
        if collation and collation != table_collations.get(table):
            objects[("column", None, table, column)]["collation"] = collation
        # The counter is the next id, a floor the models' Identity(start=...) sets (FLOOR_FACTS);
        # 1 is where every table starts, and is left out.
        counter = counters.get(table) or 1
        if "identity" in objects[("column", None, table, column)] and counter > 1:
            objects[("column", None, table, column)]["next id"] = str(counter)
    add_column_order(objects, positions)
    objects.update(constraints(rows, database))
    without_period_columns(objects)
    objects.update(triggers(rows))
    objects.update(indexes(rows))
    without_foreign_keys_own_indexes(objects)
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
        # SELECT * leaves it out, and an INSERT without a column list does not fill it.
        "invisible": "yes" if re.search(r"\binvisible\b", extra) else None,
    }
    return present(facts)


def view_query(definition: str, database: str) -> str:
    """The view's query, without the current database's name on every table and column (so two
    databases holding the same view describe it the same)."""
    return " ".join(definition.replace(f"{quoted(database)}.", "").split())


def constraints(rows: Rows, database: str) -> dict[Key, Facts]:
    columns: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for table, name, column, ref_schema, ref_table, ref_column, _position in rows(
        KEY_COLUMNS, order="1, 2, 7"
    ):
        columns[(table, name)].append((column, ref_schema, ref_table, ref_column))
    has_foreign_keys = any(name != "PRIMARY" for _table, name in columns)
    rules = {
        (table, name): (RULES_SPELLED.get(update, update), RULES_SPELLED.get(delete, delete))
        for table, name, update, delete in (rows(RULES) if has_foreign_keys else ())
    }
    objects: dict[Key, Facts] = {}
    for (table, name), parts in columns.items():
        names = ", ".join(part[0] for part in parts)
        if name == "PRIMARY":
            objects[("primary key", None, table, "")] = {"definition": f"PRIMARY KEY ({names})"}
        else:
            ref_schema, ref_table = parts[0][1], parts[0][2]
            target = ref_table if ref_schema == database else f"{ref_schema}.{ref_table}"
            update, delete = rules.get((table, name), ("RESTRICT", "RESTRICT"))
            definition = (
                f"FOREIGN KEY ({names}) REFERENCES {target}({', '.join(p[3] for p in parts)})"
                f" ON UPDATE {update} ON DELETE {delete}"
            )
            key_name = definition if AUTOMATIC_FOREIGN_KEY.search(name) else name
            objects[("foreign key", None, table, key_name)] = {"definition": definition}
    # MariaDB says which table a CHECK is on; MySQL leaves that to TABLE_CONSTRAINTS.
    on_mariadb = rows.server_has("CHECK_CONSTRAINTS", "TABLE_NAME")
    checks = MARIADB_CHECKS if on_mariadb else MYSQL_CHECKS
    for table, name, clause in rows(checks, "TABLE_NAME" if on_mariadb else "t.TABLE_NAME"):
        definition = f"CHECK ({' '.join(clause.split())})"
        key_name = definition if AUTOMATIC_CHECK.search(name) else name
        objects[("check constraint", None, table, key_name)] = {"definition": definition}
    return objects


def triggers(rows: Rows) -> dict[Key, Facts]:
    """Each trigger: when it fires (``BEFORE INSERT``) and what it runs, one spacing."""
    return {
        ("trigger", None, table, name): {
            "timing": f"{timing} {event}",
            "definition": f"FOR EACH {orientation} {' '.join(statement.split())}",
        }
        for table, name, timing, event, orientation, statement in rows(
            TRIGGERS, "EVENT_OBJECT_TABLE"
        )
    }


def routines(rows: Rows) -> dict[Key, Facts]:
    """Each stored function and procedure, keyed by its name (the server allows no overloads):
    its parameters, what it returns, its characteristics and its body, one spacing."""
    found = rows(ROUTINES, "ROUTINE_NAME")
    if not found:
        return {}
    parameters: dict[tuple[str, str], list[str]] = defaultdict(list)
    returns = {}
    for name, kind, position, mode, parameter, type_ in rows(
        PARAMETERS, "SPECIFIC_NAME", order="1, 2, 3"
    ):
        if position == 0:
            returns[(name, kind)] = type_
        else:
            shown = f"{parameter} {type_}" if kind == "FUNCTION" else f"{mode} {parameter} {type_}"
            parameters[(name, kind)].append(shown)
    objects: dict[Key, Facts] = {}
    for name, kind, deterministic, access, security, body in found:
        words = [f"({', '.join(parameters[(name, kind)])})"]
        words += [f"RETURNS {returns[(name, kind)]}"] if (name, kind) in returns else []
        words += ["DETERMINISTIC"] if deterministic == "YES" else []
        words += [access] + ([f"SQL SECURITY {security}"] if security != "DEFINER" else [])
        definition = " ".join([*words, *(body or "").split()])
        objects[(kind.lower(), None, "", name)] = {"definition": definition}
    return objects


def indexes(rows: Rows) -> dict[Key, Facts]:
    """Every index but the primary key's; a unique constraint is its unique index here (the
    server keeps no other kind, so `CREATE UNIQUE INDEX` and `UNIQUE (...)` are one thing)."""
    has_expression = rows.server_has("STATISTICS", "EXPRESSION")
    ignored = next(
        (test for column, test in IGNORED_INDEX.items() if rows.server_has("STATISTICS", column)),
        "FALSE",
    )
    query = INDEXES.format(
        expression="EXPRESSION" if has_expression else "NULL", ignored=ignored, here=HERE
    )
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
        _position,
        ignored,
        comment,
    ) in rows(query, order="1, 2, 9"):
        if name == "PRIMARY":  # described with the primary key
            continue
        part = column if column is not None else f"({expression})"
        part += f"({sub_part})" if sub_part else ""
        part += " DESC" if order == "D" else ""
        parts[(table, name)].append(part)
        shapes[(table, name)] = ("no" if non_unique else "yes", type_, ignored, comment)
    return {
        ("index", None, table, name): present(
            {
                "unique": shapes[(table, name)][0],
                "definition": f"USING {shapes[(table, name)][1]} ({', '.join(columns)})",
                "ignored by the optimizer": "yes" if shapes[(table, name)][2] else None,
                "comment": shapes[(table, name)][3] or None,
            }
        )
        for (table, name), columns in parts.items()
    }


def quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def present(facts: dict[str, str | None]) -> dict[str, str]:
    return {fact: value for fact, value in facts.items() if value is not None}
