"""Run each migration in a real transaction where the database can roll DDL back.

PostgreSQL does this by nature. SQLite can too, but Python's sqlite3 driver does not send the
BEGIN itself, so Alembic treats SQLite as non-transactional; SQLAlchemy's documented recipe
("Serializable isolation / Savepoints / Transactional DDL") turns the driver's own transaction
handling off and emits BEGIN from an engine event instead. MySQL and MariaDB commit every DDL
statement at once: see app/migration_marks.py for what is done there instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event


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
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def begin_immediately(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so a migration never fails half-way on
    # "database is locked" when it turns from reading the schema to changing it.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def transaction_options(connection: Connection) -> dict[str, bool]:
    """Return the ``context.configure`` options that give each migration its own transaction."""
    if connection.dialect.name == "sqlite":
        ddl_is_transactional = event.contains(connection.engine, "begin", begin_immediately)
        return {"transactional_ddl": ddl_is_transactional, "transaction_per_migration": True}
    # A failed migration rolls back alone and leaves the ones before it applied.
    return {"transaction_per_migration": True}
