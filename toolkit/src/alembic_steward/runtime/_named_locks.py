"""A lock per name, taken without waiting: one runner per backfill.

Held on a connection of its own (PostgreSQL's session advisory lock, MySQL/MariaDB's
``GET_LOCK``) or as an OS lock on a file beside a SQLite database, so the server or the OS
frees it when the holder dies: a killed runner never leaves its backfill locked.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_steward.runtime._file_lock import try_lock_file, unlock_file

if TYPE_CHECKING:
    from sqlalchemy import Engine


class NamedLockHeld(Exception):
    """Another session or process holds the lock of this name; ``holder`` says which (the
    server's session, or the process, as read when the lock was refused)."""

    def __init__(self, name: str, holder: str = "holder unknown") -> None:
        super().__init__(name)
        self.holder = holder


def lock_digest(name: str) -> bytes:
    return hashlib.sha256(f"alembic-steward {name}".encode()).digest()


@contextmanager
def holding_named_lock(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock ``name`` on ``engine``'s database for the block; raise NamedLockHeld when
    it is taken."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    dialect = engine.dialect.name
    if dialect == "sqlite":
        with holding_file_lock(engine, name):
            yield
        return
    from alembic_steward.runtime._migration_lock_mysql import mysql_lock_holder
    from alembic_steward.runtime._migration_lock_postgresql import postgresql_lock_holder

    with engine.connect() as locking:
        if dialect == "postgresql":
            # The session names its process, so a refused runner can say who holds the lock;
            # the pid first: PostgreSQL cuts the name at 63 bytes, a long tenant's lock name
            # loses its tail, never the number that finds the process.
            locking.execute(
                text("SELECT set_config('application_name', :name, false)"),
                {"name": f"alembic-steward pid {os.getpid()}: {name}"[:63]},
            )
            key = int.from_bytes(lock_digest(name)[:8], "big") >> 1
            taken = locking.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            release = text("SELECT pg_advisory_unlock(:k)"), {"k": key}
            holder = (lambda: postgresql_lock_holder(locking, key)) if not taken else None
        else:
            # GET_LOCK names are at most 64 characters, and server-wide: the database's name
            # keeps two databases' backfills of one name apart.
            database = locking.execute(text("SELECT DATABASE()")).scalar() or ""
            key_name = "steward:" + lock_digest(f"{database} {name}").hex()[:40]
            taken = locking.execute(text("SELECT GET_LOCK(:n, 0)"), {"n": key_name}).scalar()
            release = text("SELECT RELEASE_LOCK(:n)"), {"n": key_name}
            holder = (lambda: mysql_lock_holder(locking, key_name)) if not taken else None
        try:
            if holder is not None:
                raise NamedLockHeld(name, holder())
            locking.commit()
            try:
                yield
            finally:
                locking.execute(*release)
                locking.commit()
        finally:
            if dialect == "postgresql":  # a pooled connection goes back under its own name
                with contextlib.suppress(SQLAlchemyError):  # a broken one: its error stands
                    locking.rollback()
                    locking.execute(text("RESET application_name"))
                    locking.commit()


def named_lock_holder(engine: Engine, name: str) -> str | None:
    """Who holds the lock ``name`` now, or None (tried without waiting, and let go at once)."""
    try:
        with holding_named_lock(engine, name):
            return None
    except NamedLockHeld as held:
        return held.holder


@contextmanager
def holding_file_lock(engine: Engine, name: str) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # a private database has no other process to race with
        return
    from alembic_steward.runtime._file_lock import holder_note, write_holder_note

    path = Path(f"{database}-{name}-lock")
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not try_lock_file(descriptor):
            raise NamedLockHeld(name, f"process {holder_note(descriptor) or '?'}")
        write_holder_note(descriptor)
        try:
            yield
        finally:
            unlock_file(descriptor)
    finally:
        os.close(descriptor)
