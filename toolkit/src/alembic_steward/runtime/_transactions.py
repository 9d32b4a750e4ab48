"""Run each migration in a real transaction where the database can roll DDL back.

PostgreSQL does this by nature. SQLite can too, but Python's sqlite3 driver does not send the
BEGIN itself, so Alembic treats SQLite as non-transactional; SQLAlchemy's documented recipe
("Serializable isolation / Savepoints / Transactional DDL") turns the driver's own transaction
handling off and emits BEGIN from an engine event instead. MySQL and MariaDB commit every DDL
statement at once: see runtime/_half_applied_marks.py for what is done there instead.

On SQLite every ALTER rebuilds the table (batch mode: copy, drop, rename). With foreign keys
enforced, dropping the old parent table would cascade into its children's rows, so migrations
run with enforcement off, whatever connect listeners the app registers, and each migration
checks its foreign keys itself before it commits.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, event

from alembic_steward.engines import SQLITE_BUSY_TIMEOUT_SECONDS
from alembic_steward.runtime._offline_runs import offline_run_active


def make_sqlite_ddl_transactional(engine: Engine) -> Engine:
    """Let ``engine``'s SQLite transactions cover DDL, waiting for a busy database."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "begin", begin_immediately):
        event.listen(engine, "connect", hand_transactions_to_sqlalchemy)
        event.listen(engine, "begin", begin_immediately)
    return engine


def hand_transactions_to_sqlalchemy(dbapi_connection: Any, connection_record: Any) -> None:
    # isolation_level=None stops sqlite3 from committing or beginning behind our back.
    dbapi_connection.isolation_level = None
    # The app's own writers may hold the database briefly: wait for them instead of failing.
    # Through a cursor: the asyncio driver's adapted connection has no execute() of its own.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.close()


def begin_immediately(connection: Connection) -> None:
    # SQLite ignores this pragma inside a transaction: it must come before BEGIN. It overrides
    # an app's `PRAGMA foreign_keys=ON` connect listener for the migration only.
    connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    # IMMEDIATE takes the write lock up front, so a migration never fails half-way on
    # "database is locked" when it turns from reading the schema to changing it.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class BrokenForeignKeys(CommandError):
    """A SQLite migration step left rows whose foreign key points nowhere; it was rolled back.

    ``revision`` and ``path`` name the step, so a failed upgrade is kept for `inv db.status`
    like one its own code raised (runtime/_state_after_failure.py): the check runs after it.
    """

    def __init__(self, message: str, *, revision: str, path: str | None, upgrade: bool) -> None:
        super().__init__(message)
        self.revision = revision
        self.path = path
        self.upgrade = upgrade


def dangling_rows(connection: Connection) -> Counter[tuple[str, str]]:
    """Count the rows whose foreign key points nowhere, per (table, parent table).

    Counted, not listed by rowid: a batch operation's table copy may renumber a table
    without an INTEGER PRIMARY KEY. Read through the driver's cursor: with sqlite3's own
    transaction handling off (above), the PRAGMA opens no transaction before the run's.
    """
    cursor = connection.connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_key_check")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return counted(rows)


def counted(rows: Any) -> Counter[tuple[str, str]]:
    """`PRAGMA foreign_key_check`'s rows (table, rowid, parent, key id), counted per (table,
    parent)."""
    return Counter((table, parent) for table, _, parent, _ in rows)


def dangling_rows_line(connection: Any, found: Counter[tuple[str, str]]) -> str:
    """Say which rows point nowhere and give the SELECT that lists them (the first table's)."""
    (table, parent), count = next(iter(sorted(found.items())))
    others = sum(found.values()) - count
    more = f" (and {others} more elsewhere; `PRAGMA foreign_key_check` lists all)" if others else ""
    select = finding_select(connection, table, parent)
    return f"{count} row(s) of {table} name no {parent} row{more}, found by: {select}"


def finding_select(connection: Any, table: str, parent: str) -> str:
    """The SELECT that lists ``table``'s rows whose foreign key to ``parent`` points nowhere."""

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    keys = [
        row
        for row in connection.exec_driver_sql(f"PRAGMA foreign_key_list({quoted(table)})")
        if row[2] == parent
    ]
    if not keys:
        return f"PRAGMA foreign_key_check({quoted(table)})"
    key_id = keys[0][0]
    pairs = [(row[3], row[4]) for row in keys if row[0] == key_id]
    if any(to is None for _, to in pairs):
        # REFERENCES parent with no column list: the parent's primary key, in order.
        primary = [
            row[1]
            for row in sorted(
                connection.exec_driver_sql(f"PRAGMA table_info({quoted(parent)})"),
                key=lambda row: row[5],
            )
            if row[5]
        ]
        if len(primary) != len(pairs):
            return f"PRAGMA foreign_key_check({quoted(table)})"
        pairs = [(column, key) for (column, _), key in zip(pairs, primary, strict=True)]
    present = " AND ".join(f"c.{quoted(column)} IS NOT NULL" for column, _ in pairs)
    matched = " AND ".join(f"p.{quoted(to)} = c.{quoted(column)}" for column, to in pairs)
    return (
        f"SELECT c.* FROM {quoted(table)} AS c WHERE {present} AND NOT EXISTS"
        f" (SELECT 1 FROM {quoted(parent)} AS p WHERE {matched})"
    )


class ForeignKeyCheck:
    """An ``on_version_apply`` callback: roll a SQLite step back if it left dangling rows.

    It runs inside the step's transaction, before commit. The rows that pointed nowhere
    before the run (inserted with foreign keys off, from the sqlite3 shell) are read once, at
    construction, under the migration lock: a step that adds none is not blamed for them,
    and the line names them and what to do; the step is still refused, as enforcement would.
    """

    def __init__(self, connection: Connection) -> None:
        self.before = dangling_rows(connection)

    def __call__(self, *, ctx: Any, step: Any, **_: Any) -> None:
        if ctx.as_sql:
            return
        connection = ctx.connection
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if not broken:
            return
        now = counted(broken)
        added = now - self.before
        direction = "upgrade to" if step.is_upgrade else "downgrade from"
        path = getattr(step.up_revision, "path", None)
        if added:
            table, rowid, parent, _ = next(row for row in broken if (row[0], row[2]) in added)
            finding = (
                f"the {direction} {step.up_revision_id} leaves {sum(added.values())} row(s)"
                f" whose foreign key points nowhere (first: {table} row {rowid}, referring to"
                f" {parent})"
            )
            if offline_run_active():
                # A copy ran it (inspection/_captured_sql.py); the error policy adds the state line.
                raise CommandError(f"{finding}; fix the migration's data handling")
            raise BrokenForeignKeys(
                f"{finding}; it was rolled back, so the database is still at the revision"
                " before it. Fix the migration's data handling and run it again",
                revision=step.up_revision_id,
                path=path,
                upgrade=step.is_upgrade,
            )
        found = dangling_rows_line(connection, now)
        finding = f"{found}; these rows were there before this run, not added by it"
        if offline_run_active():
            raise CommandError(
                f"the {direction} {step.up_revision_id} stops on them: {finding}; delete those"
                " rows or point them at an existing parent"
            )
        raise BrokenForeignKeys(
            f"the {direction} {step.up_revision_id} was rolled back, so the database is still at"
            f" the revision before it: {finding}; delete those rows or point them at an existing"
            " parent, then run it again",
            revision=step.up_revision_id,
            path=path,
            upgrade=step.is_upgrade,
        )


def transaction_options(connection: Connection) -> dict[str, bool]:
    """Return the ``context.configure`` options that give each migration its own transaction."""
    if connection.dialect.name == "sqlite":
        ddl_is_transactional = event.contains(connection.engine, "begin", begin_immediately)
        return {"transactional_ddl": ddl_is_transactional, "transaction_per_migration": True}
    # A failed migration rolls back alone and leaves the ones before it applied.
    return {"transaction_per_migration": True}
