"""A lock per name, taken without waiting: one runner per backfill.

Held on a connection of its own (PostgreSQL's session advisory lock, MySQL/MariaDB's
``GET_LOCK``) or as an OS lock on a file beside a SQLite database, so the server or the OS
frees it when the holder dies: a killed runner never leaves its backfill locked.
"""

from __future__ import annotations

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
    """Another session or process holds the lock of this name."""


def lock_digest(name: str) -> bytes:
    return hashlib.sha256(f"alembic-steward {name}".encode()).digest()


@contextmanager
def holding_named_lock(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock ``name`` on ``engine``'s database for the block; raise NamedLockHeld when
    it is taken."""
    from sqlalchemy import text

    dialect = engine.dialect.name
    if dialect == "sqlite":
        with holding_file_lock(engine, name):
            yield
        return
    with engine.connect() as locking:
        if dialect == "postgresql":
            key = int.from_bytes(lock_digest(name)[:8]) >> 1
            taken = locking.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            release = text("SELECT pg_advisory_unlock(:k)"), {"k": key}
        else:
            # GET_LOCK names are at most 64 characters, and server-wide: the database's name
            # keeps two databases' backfills of one name apart.
            database = locking.execute(text("SELECT DATABASE()")).scalar() or ""
            key_name = "steward:" + lock_digest(f"{database} {name}").hex()[:40]
            taken = locking.execute(text("SELECT GET_LOCK(:n, 0)"), {"n": key_name}).scalar()
            release = text("SELECT RELEASE_LOCK(:n)"), {"n": key_name}
        locking.commit()
        if not taken:
            raise NamedLockHeld(name)
        try:
            yield
        finally:
            locking.execute(*release)
            locking.commit()


@contextmanager
def holding_file_lock(engine: Engine, name: str) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # a private database has no other process to race with
        return
    path = Path(f"{database}-{name}-lock")
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not try_lock_file(descriptor):
            raise NamedLockHeld(name)
        try:
            yield
        finally:
            unlock_file(descriptor)
    finally:
        os.close(descriptor)
