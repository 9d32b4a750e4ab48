"""The migration lock on a SQLite file: an OS lock on a file beside it (runtime/_file_lock.py),
and why a run could not take it when the file or its folder is not writable."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import Connection

from alembic_steward.runtime._file_lock import (
    holder_note,
    try_lock_file,
    unlock_file,
    write_holder_note,
)
from alembic_steward.runtime._migration_lock_timeout import POLL_INTERVAL_SECONDS, timed_out


def sqlite_file(connection: Connection) -> Path | None:
    """The file of ``connection``'s SQLite database, or None for a private (in-memory) one."""
    database = connection.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def cannot_migrate_line(lock_path: Path, reason: str) -> str:
    """Say that no migration can run on this SQLite file, why, and what to do."""
    return (
        f"migrations cannot run on this SQLite database: its migration lock file {lock_path}"
        f" cannot be created or opened for writing ({reason}), nor can SQLite write its"
        f" journal beside it; make {lock_path.parent} writable, or move the database to a"
        " writable folder"
    )


def migration_lock_problem(connection: Connection) -> str | None:
    """Why a migration run on ``connection``'s database could not take its lock, or None.

    `inv db.status` asks before advising anything; a run asks as it takes the lock, so both
    say the same. Only a SQLite file can fail this way, and it is checked without creating
    anything.
    """
    database = sqlite_file(connection) if connection.dialect.name == "sqlite" else None
    if database is None:
        return None
    lock_path = Path(f"{database}-migration-lock")
    if lock_path.exists():
        try:
            os.close(os.open(lock_path, os.O_RDWR))
        except OSError as error:
            return cannot_migrate_line(lock_path, error.strerror or "not writable")
    # SQLite creates its rollback journal in this folder for every write, so even with a
    # writable lock file a migration could not commit there.
    if not os.access(lock_path.parent, os.W_OK | os.X_OK):
        return cannot_migrate_line(lock_path, "its folder is not writable")
    return None


@contextmanager
def hold_sqlite_lock(connection: Connection, timeout: float) -> Iterator[bool]:
    database = sqlite_file(connection)
    if database is None:
        # A private database has no other process to race with.
        yield False
        return
    lock_path = Path(f"{database}-migration-lock")
    problem = migration_lock_problem(connection)
    lock_file = None
    if problem is None:
        try:
            lock_file = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            problem = cannot_migrate_line(lock_path, error.strerror or "not writable")
    if lock_file is None:
        from alembic_steward.runtime._lock import current_revision_line

        raise CommandError(f"{problem}; {current_revision_line(connection)}")
    try:
        deadline = time.monotonic() + timeout
        waited = False
        while not try_lock_file(lock_file):
            waited = True
            if time.monotonic() >= deadline:
                raise timed_out(f"process {holder_note(lock_file) or '?'}", timeout)
            time.sleep(POLL_INTERVAL_SECONDS)
        write_holder_note(lock_file)
        try:
            yield waited
        finally:
            unlock_file(lock_file)
    finally:
        os.close(lock_file)
