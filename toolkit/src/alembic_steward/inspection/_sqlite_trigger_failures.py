"""SQLite: the triggers that fail when they fire, as SQLite itself says, not as a text reading
guesses.

SQLite compiles a trigger's body when a statement that fires it is prepared, and refuses it
there when the body names a column or table that is gone (`no such column: qty`), in any
clause: `UPDATE items SET qty`, `INSERT INTO items (qty)`, a `WHERE`, a sub-select, `NEW.x`. Its
ALTER TABLE DROP COLUMN checks only some of these (a WHERE, a SELECT), so a trigger writing the
dropped column stays, and every INSERT on its table fails. `EXPLAIN` prepares the statement
that fires each trigger (an INSERT, UPDATE or DELETE of its table, or of its view) and runs
nothing. Each trigger is tried alone on an in-memory copy of the schema (its tables and views,
no rows), so one trigger's failure is never blamed on another of the same table, and the
database itself is only read.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.inspection._broken_routines import Broken

# `AFTER UPDATE OF qty, note ON items`: the event, and the columns an UPDATE fires on.
EVENT = re.compile(
    r"\b(INSERT|DELETE|UPDATE)\b(?:\s+OF\s+(.*?))?\s+ON\s", re.IGNORECASE | re.DOTALL
)
SCHEMA = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL"
    " AND type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
)


def trigger_failures(rows: list[tuple[str, str, str, str]]) -> dict[tuple[str, str], str]:
    """(table, trigger) -> SQLite's reason, for each trigger of ``rows`` (sqlite_master's type,
    name, tbl_name, sql) whose firing statement SQLite cannot prepare."""
    return {key: reason for key, reason in prepare_failures(rows).items() if key[0]}


def prepare_failures(rows: list[tuple[str, str, str, str]]) -> dict[tuple[str, str], str]:
    """(table, trigger) -> SQLite's reason for each trigger of ``rows`` that fails when it
    fires, and ("", view) -> SQLite's reason for each view that cannot be read (`SELECT *` of
    it is prepared: SQLite's DROP TABLE, and a batch copy's, keep a view over what they take
    away, and never check it)."""
    if not any(row[0] in ("trigger", "view") for row in rows):
        return {}
    # A table the database has but the copy could not make (a virtual table whose module this
    # Python's SQLite lacks): a trigger or view naming it is not called broken for that.
    uncopied: set[str] = set()
    copy = sqlite3.connect(":memory:")
    failures = {}
    try:
        for kind, name, _table, sql in rows:
            if kind in ("table", "view"):
                try:
                    copy.execute(sql)
                except sqlite3.Error:
                    uncopied.add(name.lower())
        for kind, name, _table, _sql in rows:
            if kind == "view" and name.lower() not in uncopied:
                reason = prepare_failure(copy, f"SELECT * FROM {quoted(name)}", uncopied)
                if reason:
                    failures[("", name)] = reason
        for kind, name, table, sql in rows:
            if kind != "trigger":
                continue
            try:
                copy.execute(sql)
            except sqlite3.Error:
                continue  # its table was not copied: nothing is claimed
            try:
                statement = firing_statement(copy, sql, table)
                reason = prepare_failure(copy, statement, uncopied) if statement else None
            except sqlite3.Error as error:
                reason = str(error)
            try:
                if reason:
                    failures[(table, name)] = reason
            finally:
                copy.execute(f"DROP TRIGGER {quoted(name)}")
    finally:
        copy.close()
    return failures


def prepare_failure(copy: sqlite3.Connection, statement: str, uncopied: set[str]) -> str | None:
    """SQLite's reason for refusing to prepare ``statement``, or None (nor when what it lacks is
    a table of ``uncopied``)."""
    try:
        copy.execute(f"EXPLAIN {statement}").fetchall()
    except sqlite3.Error as error:
        missing = re.fullmatch(r"no such table: (?:main\.)?(.+)", str(error))
        if not (missing and missing[1].lower() in uncopied):
            return str(error)
    return None


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def firing_statement(copy: sqlite3.Connection, sql: str, table: str) -> str | None:
    """A statement on ``table`` that fires the trigger made by ``sql``; None when none can be
    written (an UPDATE OF columns the table lacks never fires)."""
    event = EVENT.search(sql)
    if event is None:
        return None
    table = quoted(table)
    verb = event[1].upper()
    if verb == "INSERT":
        return f"INSERT INTO {table} DEFAULT VALUES"
    if verb == "DELETE":
        return f"DELETE FROM {table}"
    # hidden: 0 a plain column, 1 a virtual table's, 2 and 3 generated (never SET).
    columns = [row[1] for row in copy.execute(f"PRAGMA table_xinfo({table})") if row[6] in (0,)]
    if event[2]:
        named = [part.strip().strip('"`[]').lower() for part in event[2].split(",")]
        columns = [column for column in columns if column.lower() in named]
    if not columns:
        return None
    column = quoted(columns[0])
    return f"UPDATE {table} SET {column} = {column}"


def broken_sqlite_objects(connection: Connection) -> list[Broken]:
    """The views of ``connection``'s SQLite database that cannot be read and its triggers that
    fail when they fire, with SQLite's reason and the statement that drops each."""
    from alembic_steward.inspection._broken_routines import Body, Broken, what_fails

    rows = [tuple(row) for row in connection.exec_driver_sql(SCHEMA).fetchall()]
    statements = {(table, name): sql for kind, name, table, sql in rows if kind == "trigger"}
    failures = prepare_failures(rows)
    # Views first: a view's INSTEAD OF trigger goes with its view.
    found = [
        Broken(
            f"view {name} can no longer be read ({reason})",
            f"DROP VIEW {name}",
            (),
            ("view", None, "", name),
        )
        for (table, name), reason in sorted(failures.items())
        if not table
    ]
    for (table, name), reason in sorted(failures.items()):
        if not table:
            continue
        event = EVENT.search(statements[(table, name)])
        events = " ".join(event[0].split()[:-1]) if event else ""
        body = Body("trigger", None, table, name, events, "")
        line = (
            f"trigger {name} on {table} cannot be prepared ({reason}, SQLite says):"
            f" {what_fails(body, table)}"
        )
        gone = re.fullmatch(r"no such column: (\S+)", reason)
        key = ("trigger", None, table, name)
        found.append(Broken(line, f"DROP TRIGGER {name}", (gone[1],) if gone else (), key))
    return found
