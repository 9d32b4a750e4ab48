"""Send a statement that only touches the session (a SET, a read of a counter) in one round trip.

Sent through SQLAlchemy, or on a driver connection outside autocommit, such a statement opens a
transaction that must then be ended: on PostgreSQL a BEGIN before it and a COMMIT after, on
MySQL/MariaDB a COMMIT or ROLLBACK after. Each run of a fan-out sends several of them for each
tenant (its search_path, the timeouts that end an abandoned session, MySQL's commit count):
the drivers below take them alone, leaving no transaction behind. Any other driver (an asyncio
adapter among them) is sent them as before, the transaction ended after.
"""

from __future__ import annotations

from typing import Any


def driver_of(dbapi_connection: Any) -> str:
    """The driver package whose connection class ``dbapi_connection`` is (or subclasses)."""
    packages = [cls.__module__.partition(".")[0] for cls in type(dbapi_connection).__mro__]
    return next((name for name in packages if name in ("pymysql", "psycopg", "psycopg2")), "")


def sent_alone(dbapi_connection: Any) -> bool:
    """Whether ``dbapi_connection``'s driver takes a session statement without a transaction."""
    driver = driver_of(dbapi_connection)
    return driver == "pymysql" or (driver != "" and dbapi_connection.autocommit is False)


def session_statement(dbapi_connection: Any, statement: str) -> list[tuple[Any, ...]]:
    """Run ``statement`` on ``dbapi_connection``, idle before and after; return its rows."""
    driver = driver_of(dbapi_connection)
    if driver == "pymysql":
        # Only a statement on a table starts a transaction there: a SET or SHOW starts none.
        return fetched(dbapi_connection, statement)
    if (
        driver.startswith("psycopg")
        and dbapi_connection.autocommit is False
        and idle(dbapi_connection)
    ):
        # Switched with no transaction open, autocommit is the driver's own flag: no query.
        dbapi_connection.autocommit = True
        try:
            return fetched(dbapi_connection, statement)
        finally:
            dbapi_connection.autocommit = False
    rows = fetched(dbapi_connection, statement)
    dbapi_connection.commit()
    return rows


def idle(dbapi_connection: Any) -> bool:
    """Whether libpq says no transaction is open (psycopg and psycopg2 both tell)."""
    status = getattr(getattr(dbapi_connection, "info", None), "transaction_status", None)
    return status is not None and int(status) == 0


def fetched(dbapi_connection: Any, statement: str) -> list[tuple[Any, ...]]:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(statement)
        return list(cursor.fetchall()) if cursor.description else []
    finally:
        cursor.close()
