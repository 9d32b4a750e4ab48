"""The lock a run holds on its scratch database's name, from before it creates the database until
after it drops it, so the next run can tell a killed run's database from a live run's at once.

Taken on the admin connection that creates and drops the database (PostgreSQL's session advisory
lock, MySQL/MariaDB's ``GET_LOCK``): the server frees it when that session ends, however the
run's process ends (kill -9, an OOM kill). A scratch database whose lock is free and that no
session uses was left by a run that is gone (inspection/_left_scratch_databases.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.runtime._named_locks import lock_digest

if TYPE_CHECKING:
    from sqlalchemy import Connection


def scratch_lock_key(name: str) -> int:
    """PostgreSQL's advisory lock key (a positive bigint) for the scratch database ``name``."""
    return int.from_bytes(lock_digest(f"scratch database {name}")[:8], "big") >> 1


def scratch_lock_name(name: str) -> str:
    """MySQL/MariaDB's lock name for the scratch database ``name``: GET_LOCK names are the whole
    server's and at most 64 characters, so a digest, as runtime/_named_locks.py names its own."""
    return "steward:" + lock_digest(f"scratch database {name}").hex()[:40]


def hold_scratch_lock(connection: Connection, name: str) -> None:
    """Take the lock of the scratch database ``name`` on ``connection``, held until it closes.

    Without waiting: the name is new (its time and random digits), so nobody else holds it.
    """
    from sqlalchemy import text

    if connection.dialect.name == "postgresql":
        lock, values = "SELECT pg_try_advisory_lock(:key)", {"key": scratch_lock_key(name)}
    else:
        lock, values = "SELECT GET_LOCK(:name, 0)", {"name": scratch_lock_name(name)}
    connection.execute(text(lock), values)


def kept_by_its_run(connection: Connection, name: str) -> bool:
    """Whether a run may still use the scratch database ``name``: a session is connected to it
    (MySQL/MariaDB: one whose default database it is, as the toolkit's own sessions on a scratch
    database all are), or a session holds its lock. One round trip."""
    from sqlalchemy import text

    if connection.dialect.name == "postgresql":
        # Any database's lock: a run whose database did not exist yet locked it from the
        # maintenance database. pg_locks shows a bigint key as its high and low 32 bits.
        key = scratch_lock_key(name)
        sql = (
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = :name)"
            " OR EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1"
            " AND classid = :high AND objid = :low)"
        )
        values: dict[str, object] = {"name": name, "high": key >> 32, "low": key & 0xFFFFFFFF}
    else:
        sql = (
            "SELECT IS_USED_LOCK(:lock) IS NOT NULL"
            " OR EXISTS (SELECT 1 FROM information_schema.processlist WHERE db = :name)"
        )
        values = {"name": name, "lock": scratch_lock_name(name)}
    return bool(connection.execute(text(sql), values).scalar())
