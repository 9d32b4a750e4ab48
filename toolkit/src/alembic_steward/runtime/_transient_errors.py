"""Database errors that say the server's condition at the time, not what a statement asks.

A lock another session held, a deadlock, a serialization failure, a statement timeout, a lost
connection, a full disk: the same statement may well pass later. A backfill batch stopped by
one is resumable (runtime/_backfill_failures.py); an upgrade stopped by one is not kept as a
failure that "would fail the same way" (runtime/_state_after_failure.py).
"""

from __future__ import annotations

# PostgreSQL SQLSTATE classes of the server's condition, not the statement's: connection (08),
# transaction rollback (40: serialization, deadlock), resources (53), operator intervention
# (57: statement timeout, shutdown), system (58).
PASSING_SQLSTATE_CLASSES = ("08", "40", "53", "57", "58")
# Lock not available, object in use, read-only transaction (a standby after a failover).
PASSING_SQLSTATES = frozenset({"55P03", "55006", "25006"})
# MySQL/MariaDB: lock wait, deadlock, too many connections, shutdown, out of memory, disk or
# table full, network and connection errors, interrupted or timed-out statements, read-only.
PASSING_MYSQL_CODES = frozenset(
    {1021, 1037, 1038, 1040, 1041, 1053, 1114, 1152, 1158, 1159, 1160, 1161, 1180, 1181}
    | {1205, 1213, 1290, 1317, 1836, 1927, 1969, 2002, 2003, 2006, 2013, 2055, 3024}
)
PASSING_SQLITE_WORDS = (
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "database or disk is full",
    "unable to open database file",
    "readonly database",
)


def says_a_passing_condition(error: BaseException) -> bool:
    """Whether ``error``, or a database error it was raised from, is the server's condition at
    the time (its SQLSTATE, MySQL/MariaDB code or SQLite message says so), or a connection the
    pool found lost."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.runtime._lock_retries import errors_in_chain

    for found in errors_in_chain(error):
        if isinstance(found, DBAPIError) and found.connection_invalidated:
            return True
        state = getattr(found, "sqlstate", None) or getattr(found, "pgcode", None)
        if isinstance(state, str) and (
            state[:2] in PASSING_SQLSTATE_CLASSES or state in PASSING_SQLSTATES
        ):
            return True
        arguments = getattr(found, "args", ())
        if arguments and isinstance(arguments[0], int) and arguments[0] in PASSING_MYSQL_CODES:
            return True
        if type(found).__module__ == "sqlite3" and any(
            words in str(found).lower() for words in PASSING_SQLITE_WORDS
        ):
            return True
    return False
