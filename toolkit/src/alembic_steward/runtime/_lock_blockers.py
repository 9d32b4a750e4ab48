"""Name the session a migration's statement waited for, as the server tells it.

PostgreSQL says who blocks a session only while it waits (``pg_blocking_pids``), so a watch
reads it from a second connection once a statement has waited half its lock timeout. MariaDB
keeps each open transaction in ``information_schema.INNODB_TRX`` (and, with the plugin,
metadata locks in ``METADATA_LOCK_INFO``), which can be read after the wait. SQLite has no
sessions to name: another connection holds the file's write lock.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text

from alembic_steward.runtime._helper_threads import helper_thread

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

QUERY_SHOWN = 120
# The attribute a lock timeout's exception carries the blocking sessions in.
BLOCKERS_ATTRIBUTE = "alembic_steward_blockers"
POSTGRESQL_BLOCKERS = text(
    "SELECT pid, usename AS user_name, application_name, state, query,"
    " EXTRACT(EPOCH FROM now() - COALESCE(xact_start, query_start)) AS age"
    " FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids(:waiting))"
    " ORDER BY xact_start NULLS LAST"
)
MARIADB_METADATA_LOCKS = text(
    "SELECT DISTINCT THREAD_ID FROM information_schema.METADATA_LOCK_INFO"
    " WHERE TABLE_SCHEMA = DATABASE() AND THREAD_ID NOT IN (:waiting, CONNECTION_ID())"
)
OPEN_TRANSACTIONS = (
    "SELECT t.trx_mysql_thread_id AS id, p.USER AS user_name, p.HOST AS host,"
    " COALESCE(t.trx_query, p.INFO) AS query, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS age"
    " FROM information_schema.INNODB_TRX AS t"
    " LEFT JOIN information_schema.PROCESSLIST AS p ON p.ID = t.trx_mysql_thread_id"
    " WHERE t.trx_mysql_thread_id NOT IN (:waiting, CONNECTION_ID()){where}"
    " ORDER BY t.trx_started"
)
# Sessions on this database first: on a shared server, other databases' transactions are
# rarely what holds this one's table (a query naming it from elsewhere still counts, below).
MARIADB_OPEN_TRANSACTIONS_HERE = text(OPEN_TRANSACTIONS.format(where=" AND p.DB = DATABASE()"))
MARIADB_OPEN_TRANSACTIONS = text(OPEN_TRANSACTIONS.format(where=""))
MARIADB_SESSIONS = text(
    "SELECT ID AS id, USER AS user_name, HOST AS host, INFO AS query, TIME AS age"
    " FROM information_schema.PROCESSLIST WHERE ID IN :ids ORDER BY TIME DESC"
).bindparams(bindparam("ids", expanding=True))


def shown_query(query: str | None) -> str:
    """A query on one line, cut to a readable length."""
    if not query:
        return "none running"
    one_line = re.sub(r"\s+", " ", query).strip()
    return one_line if len(one_line) <= QUERY_SHOWN else one_line[: QUERY_SHOWN - 3] + "..."


def describe_postgresql_session(row: Any) -> str:
    state = "idle in transaction" if row.state == "idle in transaction" else row.state
    return (
        f"PostgreSQL pid {row.pid} (user {row.user_name}, application"
        f" {row.application_name!r}, {state} for {float(row.age or 0):.0f} s,"
        f" query: {shown_query(row.query)})"
    )


def describe_mariadb_session(row: Any) -> str:
    return (
        f"MariaDB connection id {row.id} (user {row.user_name}, client {row.host}, in a"
        f" transaction for {int(row.age or 0)} s, query: {shown_query(row.query)})"
    )


def session_id(connection: Connection) -> int | None:
    """The server's id of ``connection``'s session (PostgreSQL pid, MariaDB connection id)."""
    known = driver_session_id(connection)
    if known is not None:
        return known
    dialect = connection.dialect.name
    if dialect == "postgresql":
        query = text("SELECT pg_backend_pid()")
    elif dialect in ("mysql", "mariadb"):
        query = text("SELECT CONNECTION_ID()")
    else:
        return None
    began_reading = not connection.in_transaction()
    found = connection.scalar(query)
    if began_reading:
        # End the read's implicit transaction: Alembic would take an open one as the caller's.
        connection.rollback()
    return found


def driver_session_id(connection: Connection) -> int | None:
    """The session id the driver learnt as it connected, or None for a driver that keeps none.

    Asked of every migration run (a tenant's in a fan-out): reading it from the server cost a
    transaction of its own, three round trips."""
    driver = connection.connection.driver_connection
    pid = getattr(getattr(driver, "info", None), "backend_pid", None)  # psycopg
    if pid is None and callable(getattr(driver, "get_server_pid", None)):  # asyncpg
        pid = driver.get_server_pid()
    if pid is None and callable(getattr(driver, "thread_id", None)):  # PyMySQL: the handshake's
        pid = driver.thread_id()
    return pid if isinstance(pid, int) and pid > 0 else None


def postgresql_blockers(reading: Connection, waiting: int) -> list[str]:
    rows = reading.execute(POSTGRESQL_BLOCKERS, {"waiting": waiting})
    return [describe_postgresql_session(row) for row in rows]


def mariadb_blockers(reading: Connection, waiting: int) -> list[str]:
    """Sessions holding metadata locks here (when the plugin is there), else open transactions."""
    from sqlalchemy.exc import DBAPIError

    try:
        holders = [row[0] for row in reading.execute(MARIADB_METADATA_LOCKS, {"waiting": waiting})]
    except DBAPIError:  # METADATA_LOCK_INFO is a plugin, installed on few servers
        holders = []
    if holders:
        rows = reading.execute(MARIADB_SESSIONS, {"ids": holders})
        return [describe_mariadb_session(row) for row in rows]
    for query in (MARIADB_OPEN_TRANSACTIONS_HERE, MARIADB_OPEN_TRANSACTIONS):
        rows = list(reading.execute(query, {"waiting": waiting}))
        if rows:
            break
    return [describe_mariadb_session(row) for row in rows]


def blocking_engine(connection: Connection) -> Engine:
    """A blocking engine on ``connection``'s database, usable from a thread of its own."""
    from sqlalchemy import create_engine, pool

    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.urls import with_driver

    url = connection.engine.url.render_as_string(hide_password=False)
    return bound_waits(create_engine(with_driver(url, use_async=False), poolclass=pool.NullPool))


def read_blockers(engine: Engine, dialect: str, waiting: int) -> list[str]:
    with engine.connect() as reading:
        if dialect == "postgresql":
            return postgresql_blockers(reading, waiting)
        return mariadb_blockers(reading, waiting)


class BlockerWatch:
    """Reads who blocks the migration's session while one of its statements waits.

    ``arm`` when a statement starts, ``disarm`` when it ends: one thread of the watch's own
    reads the blockers of a statement still running ``delay`` seconds after it started
    (PostgreSQL), through a blocking engine made on first use; arming costs a lock, not a
    thread, so a migration of many small statements pays nearly nothing. ``blockers`` keeps
    the last non-empty reading. MariaDB reads after the wait instead (``read_on``).
    """

    def __init__(self, connection: Connection, waiting: int) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.waiting = waiting
        self.blockers: list[str] = []
        self.delay = 1.0
        self._engine: Engine | None = None
        self._armed_at: float | None = None
        self._closed = False
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None
        # Whether the thread waits for a statement to be armed, not for one's delay to pass.
        self._idle = False

    def arm(self, *_: Any) -> None:
        if self.dialect != "postgresql":
            return
        with self._wakeup:
            self._armed_at = time.monotonic()
            if self._thread is None:
                self._thread = helper_thread(self._watch, "alembic-steward lock blockers")
                self._thread.start()
            if self._idle:
                # A thread waiting out an earlier statement's delay looks again when it ends:
                # waking it for each of a migration's statements would cost a switch each.
                self._wakeup.notify()

    def disarm(self, *_: Any) -> None:
        # The watching thread looks again before it reads: no need to wake it.
        self._armed_at = None

    def _due(self) -> bool:
        """Wait until a statement has run ``delay`` seconds; False once the watch is closed."""
        with self._wakeup:
            while not self._closed:
                armed_at = self._armed_at
                if armed_at is None:
                    self._idle = True
                    self._wakeup.wait()
                    self._idle = False
                    continue
                left = armed_at + self.delay - time.monotonic()
                if left > 0:
                    self._wakeup.wait(left)
                    continue
                self._armed_at = None  # one reading per statement
                return True
        return False

    def _watch(self) -> None:
        while self._due():
            self.read_from_thread()

    def read_from_thread(self) -> None:
        # The run's own engine may be asyncio, usable only from the run's event loop.
        try:
            if self._engine is None:
                self._engine = blocking_engine(self.connection)
        except Exception:  # noqa: BLE001 - no blocking driver: the line says none was read
            return
        self.read_on(self._engine)

    def read_on(self, engine: Engine) -> None:
        try:
            found = read_blockers(engine, self.dialect, self.waiting)
        except Exception:  # noqa: BLE001 - the give-up line then says none could be read
            return
        if found:
            self.blockers = found

    def close(self) -> None:
        with self._wakeup:
            self._closed = True
            self._wakeup.notify()
        if self._thread is not None:
            # A reading under way takes a moment; one stuck on a stalled server is left behind.
            self._thread.join(timeout=5)
            if self._thread.is_alive():
                return
        if self._engine is not None:
            self._engine.dispose()


def blocker_text(error: BaseException, connection: Connection) -> str:
    """Who the last attempt waited for, as read from the server, in a few words."""
    if connection.dialect.name == "sqlite":
        return (
            f"another connection held the write lock on the SQLite file"
            f" {connection.engine.url.database}"
        )
    blockers = getattr(error, BLOCKERS_ATTRIBUTE, None) or []
    if not blockers:
        return "the session holding the lock could not be read from the server"
    more = f" and {len(blockers) - 1} more session(s)" if len(blockers) > 1 else ""
    return f"it waited for {blockers[0]}{more}"


@contextmanager
def watching_lock_waits(connection: Connection) -> Iterator[None]:
    """Note on a lock timeout raised in the block who held the lock, read from the server."""
    from sqlalchemy import event

    from alembic_steward.runtime._lock_retries import is_lock_timeout
    from alembic_steward.runtime._lock_waits import current_scale, project_limits

    if connection.dialect.name not in ("postgresql", "mysql", "mariadb"):
        yield
        return
    watch = BlockerWatch(connection, session_id(connection))
    timeout = project_limits().scaled(current_scale()).lock_timeout
    watch.delay = timeout / 2 if timeout else 1.0
    event.listen(connection, "before_cursor_execute", watch.arm)
    event.listen(connection, "after_cursor_execute", watch.disarm)
    try:
        yield
    except BaseException as error:
        watch.disarm()
        if is_lock_timeout(error):
            if connection.dialect.name != "postgresql":
                # MariaDB keeps open transactions listed after the wait.
                watch.read_on(connection.engine)
            setattr(error, BLOCKERS_ATTRIBUTE, list(watch.blockers))
        raise
    finally:
        event.remove(connection, "before_cursor_execute", watch.arm)
        event.remove(connection, "after_cursor_execute", watch.disarm)
        watch.close()
