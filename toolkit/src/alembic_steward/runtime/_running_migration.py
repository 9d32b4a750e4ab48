"""Tell whether a migration run holds the migration lock right now, without taking it.

A MySQL/MariaDB run keeps its in-progress mark for as long as it runs, so a mark alone cannot
tell a run that stopped half-way from one still going: only the lock can (runtime/_lock.py),
which a live run holds from before its mark is made until after it is removed, and which the
server or the OS frees when a run dies. Status, the checks, the start-up guard and `wait` ask
here before calling a mark half-applied, and say that a migration is running instead.

Asked, not taken: a status must not make a starting upgrade wait, nor create a SQLite lock file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from alembic_steward.runtime._file_lock import holder_note, try_lock_file, unlock_file
from alembic_steward.runtime._lock import held_here, lock_key
from alembic_steward.runtime._migration_lock_mysql import (
    mysql_lock_holder,
    mysql_lock_name,
    mysql_run_lock_name,
)
from alembic_steward.runtime._migration_lock_postgresql import (
    postgresql_lock_key,
    postgresql_lock_session,
)
from alembic_steward.runtime._migration_lock_sqlite import sqlite_file

if TYPE_CHECKING:
    from sqlalchemy import Connection


# How a killed run's session still at work is described: it no longer holds the migration lock.
KILLED_RUN = "still running a statement its run sent before the run's process stopped"


def running_migration(connection: Connection) -> str | None:
    """Describe the other migration run holding ``connection``'s database's lock, or None."""
    if lock_key(connection) in held_here.__dict__.get("keys", ()):
        return None  # this thread's own task holds it (`inv db.redo`): no other run
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql_lock_session(connection, postgresql_lock_key()) or killed_postgresql_run(
            connection
        )
    if dialect in ("mysql", "mariadb"):
        return mysql_lock_session(connection)
    if dialect == "sqlite":
        return sqlite_lock_process(connection)
    return None


def mysql_lock_session(connection: Connection) -> str | None:
    """The connection holding the named lock (GET_LOCK), or None."""
    name = mysql_lock_name(connection)
    holder_id = connection.scalar(text("SELECT IS_USED_LOCK(:name)"), {"name": name})
    if holder_id is None:
        return killed_run_statement(connection)
    holder = mysql_lock_holder(connection, name)
    # Without the PROCESS privilege the process list shows only this user's own sessions.
    return f"MySQL connection id {holder_id}" if holder == "holder unknown" else holder


def killed_run_statement(connection: Connection) -> str | None:
    """The run connection still running a statement its killed client sent, or None: it holds
    the run's own lock (runtime/_run_connection_lock.py) after the migration lock was freed."""
    from alembic_steward.runtime._statement_stops import RUN_CONNECTION_IDS

    name = mysql_run_lock_name(connection)
    holder_id = connection.scalar(text("SELECT IS_USED_LOCK(:name)"), {"name": name})
    # This process's own run connection, between its run's end and the lock's release, is none.
    if holder_id is None or RUN_CONNECTION_IDS.get(name) == int(holder_id):
        return None
    return f"MySQL connection id {holder_id}, {KILLED_RUN}"


def killed_postgresql_run(connection: Connection) -> str | None:
    """A migration session still running a statement after its run was killed, or None.

    The advisory lock's session is idle while the migrations run, so the server ends it, and
    frees the lock, as soon as the run's process dies; the run's own session goes on with its
    statement until that ends, then rolls back. It is known by the name the toolkit's own
    migration engines give their sessions (runtime/_migration_lock_connection.py), active in
    this database; asked only once the lock is free, so no live run is taken for one."""
    from alembic_steward.runtime._migration_lock_connection import LOCK_HOLDER_PREFIX

    if schema_tenants_share(connection):
        return None
    row = connection.execute(
        text(
            "SELECT pid, application_name FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state = 'active' AND application_name LIKE :named"
            " AND query NOT LIKE 'SELECT pg_try_advisory_lock%'"
            " ORDER BY backend_start LIMIT 1"
        ),
        {"named": f"{LOCK_HOLDER_PREFIX}%"},
    ).first()
    if row is None:
        return None
    return f"PostgreSQL pid {row.pid}, application {row.application_name!r}, {KILLED_RUN}"


def schema_tenants_share(connection: Connection) -> bool:
    """Whether other runs may be at work in ``connection``'s database without being killed ones:
    schema tenants' runs each hold their own schema's lock, and their sessions carry the same
    name, so one tenant's live run would be taken for another's killed one (a fan-out's status
    said "running" for tenants that were not)."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._tenancy import bound_tenant

    tenant = bound_tenant()
    if tenant is not None and tenant.schema is not None:
        return True
    steward = active_steward()
    return steward.tenants is not None and steward.tenancy == "schema"


def sqlite_lock_process(connection: Connection) -> str | None:
    """The process holding the SQLite file's lock, as its note says, or None."""
    database = sqlite_file(connection)
    if database is None:
        return None
    try:
        lock_file = os.open(Path(f"{database}-migration-lock"), os.O_RDWR)
    except OSError:
        return None  # none made yet, or unusable: no run holds it (status says the latter)
    try:
        if try_lock_file(lock_file):
            unlock_file(lock_file)
            return None
        return f"process {holder_note(lock_file) or '?'}"
    finally:
        os.close(lock_file)


def running_line(holder: str, current: list[str], then: str) -> str:
    """Say that a migration run is going on now and where it has brought the database so far;
    nothing is to be repaired meanwhile: wait for it to end, ``then`` (what to do after)."""
    from alembic_steward.runtime._half_applied_marks import describe_heads

    holding = "" if holder.endswith(KILLED_RUN) else ", holding the migration lock"
    return (
        f"a migration is running now ({holder}{holding}); so far the"
        f" database is at {describe_heads(current)}; nothing needs repair while it runs: wait"
        f" for it to end, then {then}"
    )


def check_again() -> str:
    """What to do once the run has ended, where status is asked: `inv db.status` again (for
    the tenant a fan-out's status reads, that tenant's)."""
    return f"check again with {status_command()}"


def status_command() -> str:
    """The backquoted command that reads where the database (or the bound tenant) stands:
    `inv db.status` in a checkout; in an installed service `current`, whose `status` reads
    tenants alone (`status --tenants NAME` for a tenant)."""
    from alembic_steward.runtime._advice import advised, bound_tenant_options

    tenants = bound_tenant_options("--tenants")
    return advised(f"db.status{tenants}", f"status{tenants}" if tenants else "current")
