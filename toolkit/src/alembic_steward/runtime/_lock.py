"""One migration lock per database (and per tenant schema in it), held for a whole Alembic run
so concurrent upgrades queue.

PostgreSQL uses a session-level advisory lock and MySQL/MariaDB ``GET_LOCK``, each on a
connection of its own, so the server frees the lock when that connection dies; a SQLite file
gets an OS lock on a file beside it, which the OS frees when the holding process dies.
The lock is re-entrant per thread, so a task that runs Alembic several times (`inv db.redo`,
`inv db.reset`) holds it across all of them while env.py's own request passes straight through.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text

from alembic_steward._wiring import active_steward, read_setting
from alembic_steward.runtime._file_lock import try_lock_file, unlock_file
from alembic_steward.runtime._timeouts import read_timeouts

logger = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT_SECONDS = "60"
POLL_INTERVAL_SECONDS = 0.2
# One fixed advisory-lock key: PostgreSQL scopes advisory locks to the current database.
POSTGRESQL_LOCK_KEY = int.from_bytes(hashlib.sha256(b"alembic migrations").digest()[:8]) >> 1


def postgresql_lock_key() -> int:
    """The advisory-lock key of this run: the database's own, or its tenant schema's.

    Schema tenants share one database; one key for all would make them take turns.
    """
    from alembic_steward.runtime._tenancy import bound_tenant

    tenant = bound_tenant()
    if tenant is None or tenant.schema is None:
        return POSTGRESQL_LOCK_KEY
    seed = f"alembic migrations/{tenant.schema}".encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:8]) >> 1


# The databases whose lock this thread already holds, by `lock_key`.
held_here = threading.local()


class MigrationLockTimeout(CommandError):
    """Another migration run held the lock for longer than MIGRATION_LOCK_TIMEOUT."""

    holder = "holder unknown"


def lock_holder_name(url: str) -> dict[str, str]:
    """Connect arguments that name a PostgreSQL session, so a waiting run can say who holds it."""
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() == "postgresql":
        return {"application_name": f"alembic migrations, pid {os.getpid()}"}
    return {}


def lock_timeout_seconds() -> float:
    """Read MIGRATION_LOCK_TIMEOUT (seconds) from the environment, then `.env`."""
    configured = active_steward().lock_timeout
    default = DEFAULT_LOCK_TIMEOUT_SECONDS if configured is None else f"{configured:g}"
    setting = read_setting("MIGRATION_LOCK_TIMEOUT", default)
    try:
        seconds = float(setting.value)
    except ValueError:
        seconds = -1.0
    # Finite only: MySQL's GET_LOCK cannot wait forever, and every database must agree.
    if not 0 <= seconds < float("inf"):
        raise CommandError(
            f"MIGRATION_LOCK_TIMEOUT={setting.value!r} (from {setting.source}) is not a finite"
            f" number of seconds; set it to e.g. {DEFAULT_LOCK_TIMEOUT_SECONDS}"
        )
    return seconds


def lock_key(connection: Connection) -> str:
    """Name the database the lock guards, the same for its blocking and asyncio drivers."""
    url = connection.engine.url
    key = url.set(drivername=url.get_backend_name(), password=None).render_as_string()
    return f"{key}#{postgresql_lock_key()}" if connection.dialect.name == "postgresql" else key


@contextmanager
def hold_migration_lock(connection: Connection, timeout: float) -> Iterator[None]:
    """Hold the migration lock of ``connection``'s database, waiting at most ``timeout`` s."""
    held = held_here.__dict__.setdefault("keys", set())
    key = lock_key(connection)
    if key in held:
        # Taken already by this thread's caller (a task spanning several Alembic runs).
        yield
        return
    with lock_for_dialect(connection, timeout):
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)


@contextmanager
def lock_for_dialect(connection: Connection, timeout: float) -> Iterator[None]:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        lock = hold_postgresql_lock
    elif dialect in ("mysql", "mariadb"):
        lock = hold_mysql_lock
    elif dialect == "sqlite":
        lock = hold_sqlite_lock
    else:
        # Only the databases the template supports have a lock; others run unguarded.
        logger.warning("No migration lock for %s: concurrent runs are not serialised.", dialect)
        yield
        return
    with lock(connection, timeout):
        yield


def timed_out(holder: str, timeout: float) -> MigrationLockTimeout:
    error = MigrationLockTimeout(
        f"another migration run ({holder}) still holds the migration lock after {timeout:g} s;"
        " wait for it to finish and retry, or raise MIGRATION_LOCK_TIMEOUT"
    )
    error.holder = holder
    return error


@contextmanager
def lock_connection(connection: Connection) -> Iterator[Connection]:
    """Open a second, autocommit connection that carries only the lock.

    The server ends its session once the client stops talking (runtime/_session_timeouts.py);
    it is closed after use rather than pooled, as those settings are the lock's alone.
    """
    from alembic_steward.runtime._session_timeouts import end_abandoned_lock_session

    # A lock taken on the migration connection would start a transaction Alembic then treats
    # as the caller's, never committing it; a separate session keeps the two apart.
    with lock_engine(connection) as engine, engine.connect() as locking:
        try:
            locking = locking.execution_options(isolation_level="AUTOCOMMIT")
            end_abandoned_lock_session(locking, read_timeouts())
            yield locking
        finally:
            locking.invalidate()


@contextmanager
def lock_engine(connection: Connection) -> Iterator[Engine]:
    """The engine of the lock's connection: ``connection``'s own, or a blocking twin of it.

    Blocking, so that the heartbeat (a thread) can use it: an asyncio connection can only be
    used from its event loop.
    """
    from sqlalchemy import create_engine, pool

    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.urls import with_driver

    engine = connection.engine
    if not engine.dialect.is_async:
        yield bound_waits(engine)
        return
    url = with_driver(engine.url.render_as_string(hide_password=False), use_async=False)
    twin = create_engine(url, poolclass=pool.NullPool, connect_args=lock_holder_name(url))
    try:
        yield bound_waits(twin)
    finally:
        twin.dispose()


@contextmanager
def released_by_server_if_lost(locking: Connection, release: str, name: object) -> Iterator[None]:
    """Keep the lock's session alive for the block, then release; a lost session freed it."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.runtime._session_timeouts import kept_alive

    try:
        with kept_alive(locking, read_timeouts()):
            yield
    finally:
        # A session that is gone (the heartbeat found it so, or the release does) took its
        # lock with it: the server freed it.
        if not locking.invalidated:
            try:
                locking.execute(text(release), {"name": name})
            except DBAPIError as error:
                logger.debug("The migration lock's session was already lost: %s", error)


@contextmanager
def hold_postgresql_lock(connection: Connection, timeout: float) -> Iterator[None]:
    with lock_connection(connection) as locking:
        deadline = time.monotonic() + timeout
        key = postgresql_lock_key()
        try_lock = text("SELECT pg_try_advisory_lock(:key)")
        while not locking.scalar(try_lock, {"key": key}):
            if time.monotonic() >= deadline:
                raise timed_out(postgresql_lock_holder(locking, key), timeout)
            time.sleep(POLL_INTERVAL_SECONDS)
        with released_by_server_if_lost(locking, "SELECT pg_advisory_unlock(:name)", key):
            yield


def postgresql_lock_holder(locking: Connection, key: int) -> str:
    """Describe the session holding the advisory lock, from pg_stat_activity."""
    return postgresql_lock_session(locking, key) or "holder unknown"


def postgresql_lock_session(locking: Connection, key: int) -> str | None:
    """Describe the session holding the advisory lock ``key`` now, or None when none does."""
    # pg_locks shows a bigint advisory key as its high and low 32 bits.
    row = locking.execute(
        text(
            "SELECT a.pid, a.application_name, a.client_addr, a.usename"
            " FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND l.classid = :high AND l.objid = :low"
        ),
        {"high": key >> 32, "low": key & 0xFFFFFFFF},
    ).first()
    if row is None:
        return None
    client = row.client_addr or "local socket"
    return f"PostgreSQL pid {row.pid}, application {row.application_name!r}, client {client}"


def mysql_lock_name(connection: Connection) -> str:
    """Name the lock after the database: GET_LOCK names are shared by the whole server."""
    name = f"alembic_migrations.{connection.scalar(text('SELECT DATABASE()'))}"
    # MySQL caps lock names at 64 characters.
    return name if len(name) <= 64 else hashlib.sha256(name.encode()).hexdigest()


@contextmanager
def hold_mysql_lock(connection: Connection, timeout: float) -> Iterator[None]:
    with lock_connection(connection) as locking:
        name = mysql_lock_name(locking)
        deadline = time.monotonic() + timeout
        # In short waits, so that no single wait outlasts DATABASE_READ_TIMEOUT.
        get_lock = text("SELECT GET_LOCK(:name, :timeout)")
        while locking.scalar(get_lock, {"name": name, "timeout": lock_wait_slice(deadline)}) != 1:
            if time.monotonic() >= deadline:
                raise timed_out(mysql_lock_holder(locking, name), timeout)
        with released_by_server_if_lost(locking, "SELECT RELEASE_LOCK(:name)", name):
            yield


def lock_wait_slice(deadline: float) -> float:
    """Seconds of GET_LOCK's next wait: what remains, at most one second."""
    return round(min(max(deadline - time.monotonic(), 0.0), 1.0), 3)


def mysql_lock_holder(locking: Connection, name: str) -> str:
    """Describe the connection holding the named lock, from the process list."""
    holder = locking.execute(
        text(
            "SELECT ID AS id, USER AS user, HOST AS host FROM information_schema.PROCESSLIST"
            " WHERE ID = IS_USED_LOCK(:name)"
        ),
        {"name": name},
    ).first()
    if holder is None:
        return "holder unknown"
    return f"MySQL connection id {holder.id}, user {holder.user!r}, client {holder.host}"


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


def current_revision_line(connection: Connection) -> str:
    """Where the database stands, read from it: `the database is at REV`."""
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.runtime._offline_runs import where_the_database_is

    try:
        current = MigrationContext.configure(connection).get_current_heads()
    except Exception:  # noqa: BLE001 - the refusal above is the line; its state is a bonus
        return "nothing was changed"
    return f"nothing was changed: the database is {where_the_database_is(current)}"


@contextmanager
def hold_sqlite_lock(connection: Connection, timeout: float) -> Iterator[None]:
    database = sqlite_file(connection)
    if database is None:
        # A private database has no other process to race with.
        yield
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
        raise CommandError(f"{problem}; {current_revision_line(connection)}")
    try:
        deadline = time.monotonic() + timeout
        while not try_lock_file(lock_file):
            if time.monotonic() >= deadline:
                raise timed_out(f"process {holder_note(lock_file) or '?'}", timeout)
            time.sleep(POLL_INTERVAL_SECONDS)
        write_holder_note(lock_file)
        try:
            yield
        finally:
            unlock_file(lock_file)
    finally:
        os.close(lock_file)


def holder_note(lock_file: int) -> str:
    """Read who holds the lock, as its holder wrote it."""
    os.lseek(lock_file, 0, os.SEEK_SET)
    return os.read(lock_file, 200).decode(errors="replace").strip()


def write_holder_note(lock_file: int) -> None:
    """Say in the lock file who holds it, for a run that waits; the lock holds without it."""
    try:
        os.ftruncate(lock_file, 0)
        os.lseek(lock_file, 0, os.SEEK_SET)
        os.write(lock_file, f"pid {os.getpid()} on this machine".encode())
    except OSError:
        pass  # a full disk: the migration itself will say so
    finally:
        # Windows locks and unlocks the byte at the file position: keep it at the start.
        os.lseek(lock_file, 0, os.SEEK_SET)
