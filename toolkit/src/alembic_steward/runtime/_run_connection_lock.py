"""A second MySQL/MariaDB lock, held by the connection that runs the migrations themselves.

The migration lock lives in a session of its own (runtime/_migration_lock_connection.py), idle
while the migrations run. When the run's process is killed (kill -9, a pod's OOM), the server
ends that idle session at once and frees the lock; but the statement the run had sent (a long
ALTER, a backfill's UPDATE) goes on in the server until it ends, changing the schema under a
status that, finding the mark and the lock free, would call the run half-applied and advise a
repair. This lock, held by that very connection, stays taken for as long as the server still
runs its statement: status and the checks read it (runtime/_running_migration.py) and say a
migration is running instead, and taking the migration lock waits for it as for a live run.

Taken in the round trip of the settings the run's first migration sends anyway
(runtime/_lock_waits.py), so a run pays nothing for it (the connection's id, which a Ctrl-C's
KILL QUERY names, comes from the driver, or one round trip where the driver keeps none:
runtime/_statement_stops.py). Given back in the session reset that ends the run, or with the
session itself.
"""

from __future__ import annotations

from typing import Any

# Kept on the driver connection: the statement that gives the lock back at the run's end.
RELEASE_ON_RESET = "alembic_steward_run_lock_release"
# The session variable the lock's result is put in: how its statements are told apart.
RUN_LOCK_VARIABLE = "@alembic_steward_run_lock"


def quoted(name: str) -> str:
    """``name`` as a MySQL string literal (it goes into a SET: no parameters there)."""
    return "'" + name.replace("\\", "\\\\").replace("'", "''") + "'"


def with_run_lock(context: Any, statements: tuple[str, ...]) -> tuple[str, ...]:
    """``statements``, the settings a migration sends before it runs, taking the run's lock
    too the first time in a run (MySQL/MariaDB, online): in the first SET, else in a SET of
    its own. A wait of 0: the migration lock, held already, keeps every other live run out, and
    was taken once no killed run's statement held this one (runtime/_migration_lock_mysql.py)."""
    connection = context.connection
    if context.as_sql or connection.dialect.name not in ("mysql", "mariadb"):
        return statements
    if RELEASE_ON_RESET in connection.info:
        return statements  # taken by this run's first migration
    from alembic_steward.runtime._migration_lock_mysql import mysql_run_lock_name
    from alembic_steward.runtime._statement_stops import remember_run_connection

    remember_run_connection(connection, mysql_run_lock_name(connection))
    name = quoted(mysql_run_lock_name(connection))
    connection.info[RELEASE_ON_RESET] = f"{RUN_LOCK_VARIABLE} = RELEASE_LOCK({name})"
    take = f"{RUN_LOCK_VARIABLE} = GET_LOCK({name}, 0)"
    if statements and statements[0].startswith("SET "):
        return (f"{statements[0]}, {take}", *statements[1:])
    return (f"SET {take}", *statements)


def release_on_reset(connection: Any) -> list[str]:
    """The assignment that gives the run's lock back, for the session reset's SET (or [])."""
    release = connection.info.pop(RELEASE_ON_RESET, None)
    return [release] if release else []
