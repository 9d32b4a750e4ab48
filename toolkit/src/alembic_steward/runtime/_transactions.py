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


def fail_on_broken_foreign_keys(ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
    """Roll a SQLite migration back if it left rows whose foreign key points nowhere.

    An ``on_version_apply`` callback: it runs inside the migration's transaction, before commit.
    """
    if ctx.as_sql:
        return
    broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if not broken:
        return
    table, rowid, parent, _ = broken[0]
    direction = "upgrade to" if step.is_upgrade else "downgrade from"
    finding = (
        f"the {direction} {step.up_revision_id} leaves {len(broken)} row(s) whose foreign key"
        f" points nowhere (first: {table} row {rowid}, referring to {parent})"
    )
    if offline_run_active():
        # A copy ran it (inspection/_captured_sql.py); the error policy adds the state line.
        raise CommandError(f"{finding}; fix the migration's data handling")
    raise CommandError(
        f"{finding}; it was rolled back, so the database is still at the revision before it."
        " Fix the migration's data handling and run it again"
    )


def transaction_options(connection: Connection) -> dict[str, bool]:
    """Return the ``context.configure`` options that give each migration its own transaction."""
    if connection.dialect.name == "sqlite":
        ddl_is_transactional = event.contains(connection.engine, "begin", begin_immediately)
        return {"transactional_ddl": ddl_is_transactional, "transaction_per_migration": True}
    # A failed migration rolls back alone and leaves the ones before it applied.
    return {"transaction_per_migration": True}
