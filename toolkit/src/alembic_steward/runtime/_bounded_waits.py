"""Give every engine the toolkit connects through a bounded connect and a bounded wait to read.

Applied to the engines the toolkit makes (migration runs, the start-up guard, `db.create` and
the scratch databases) and to the app's blocking engine the tasks borrow through the wiring, as
listeners: the app's own connect arguments win, and the app's engine in the service's own
process is never touched. Per driver (runtime/_timeouts.py has the settings):

- psycopg: libpq's ``connect_timeout`` (psycopg applies it to the whole connection, sign-in
  included), TCP keepalives and ``tcp_user_timeout`` (a peer that vanished is noticed), and
  the read deadline of runtime/_read_watchdog.py;
- PyMySQL: ``connect_timeout`` covers the TCP connect only and the server's greeting is read
  under ``read_timeout``, so the connect runs with the connect timeout as its read timeout;
  once signed in, ``read_timeout`` (with ``write_timeout``) bounds every wait (PyMySQL's own
  deadline; its error is reworded to name the setting);
- aiomysql: ``connect_timeout`` covers only the TCP connect, so the whole connect is bounded
  here, and reads by the watchdog.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._timeouts import Timeouts, read_timeouts

if TYPE_CHECKING:
    from sqlalchemy import URL, Engine

__all__ = ["bound_waits", "connect_arguments"]

# Seconds between TCP keepalive probes, and how many may go unanswered.
KEEPALIVE_INTERVAL_SECONDS = 5
KEEPALIVE_PROBES = 3
# Dialect methods that wait for the server, by the position of what leads to the connection.
WAITING_METHODS = {
    "do_execute": "cursor",
    "do_executemany": "cursor",
    "do_execute_no_params": "cursor",
    "do_commit": "connection",
    "do_rollback": "connection",
    "do_ping": "connection",
    "initialize": "sqlalchemy connection",
}
BOUNDED = "_alembic_steward_bounded_waits"
# MySQL's "Lost connection to MySQL server during query", which PyMySQL raises on a timeout,
# and "Can't connect to MySQL server".
MYSQL_LOST_CONNECTION = 2013
MYSQL_CANNOT_CONNECT = 2003
# The client error for a character set it cannot use (CR_CANT_READ_CHARSET).
MYSQL_UNKNOWN_CHARACTER_SET = 2019
# libpq learned tcp_user_timeout in version 12.
LIBPQ_TCP_USER_TIMEOUT = 120000


def connect_arguments(url: URL, timeouts: Timeouts) -> dict[str, Any]:
    """The driver's connect arguments bounding ``url``'s connect and reads; {} for SQLite."""
    driver = url.get_driver_name()
    connect = max(int(round(timeouts.connect)), 1)
    if driver.startswith("psycopg"):
        idle = max(int(timeouts.idle // 2), 1)
        # Linux lets tcp_user_timeout override the keepalive count, so it gets the same span.
        keepalive_span = idle + KEEPALIVE_INTERVAL_SECONDS * KEEPALIVE_PROBES
        arguments = {
            "connect_timeout": connect,  # whole seconds; libpq treats 1 as 2
            "keepalives": 1,
            "keepalives_idle": idle,
            "keepalives_interval": KEEPALIVE_INTERVAL_SECONDS,
            "keepalives_count": KEEPALIVE_PROBES,
        }
        if libpq_version() >= LIBPQ_TCP_USER_TIMEOUT:  # an older libpq refuses the option
            arguments["tcp_user_timeout"] = keepalive_span * 1000
        return arguments
    if driver == "pymysql":
        read = max(int(round(timeouts.read)), 1)
        return {"connect_timeout": connect, "read_timeout": read, "write_timeout": read}
    if driver == "aiomysql":
        return {"connect_timeout": connect}
    return {}


def libpq_version() -> int:
    """The version of the libpq psycopg runs on, as libpq numbers it (160004), or 0."""
    try:
        from psycopg import pq
    except ImportError:
        return 0
    return pq.version()


def bound_waits(engine: Engine, timeouts: Timeouts | None = None) -> Engine:
    """Bound ``engine``'s connects and reads (the settings' timeouts by default); returns it.

    Safe to call again on the same engine. An AsyncEngine is bounded through its
    ``sync_engine``.
    """
    from sqlalchemy import event

    engine = getattr(engine, "sync_engine", engine)
    if getattr(engine, BOUNDED, False) or engine.dialect.name == "sqlite":
        return engine
    timeouts = timeouts or read_timeouts()
    arguments = connect_arguments(engine.url, timeouts)

    def add_timeouts(dialect, connection_record, cargs, cparams) -> Any:
        for name, value in arguments.items():
            cparams.setdefault(name, value)
        if dialect.driver == "aiomysql":
            cparams.setdefault("async_creator_fn", whole_connect_bounded(dialect, timeouts))
        if dialect.driver == "pymysql":
            return pymysql_connected(dialect, cargs, cparams)
        return None  # SQLAlchemy connects, with these arguments

    event.listen(engine, "do_connect", add_timeouts)
    watch_reads(engine.dialect, timeouts.read)
    setattr(engine, BOUNDED, True)
    return engine


def pymysql_connected(dialect: Any, cargs: list, cparams: dict) -> Any:
    """A PyMySQL connection whose greeting and sign-in wait at most its connect timeout.

    PyMySQL reads the greeting under ``read_timeout``: the connect gets the connect timeout
    there, and the connection its read timeout once signed in. Its TLS context in PREFERRED
    mode is built once per process (runtime/_mysql_tls.py).
    """
    from alembic_steward.runtime._mysql_tls import SharedTlsConnection

    refuse_unknown_character_set(dialect, cparams)
    seconds = cparams["connect_timeout"]
    try:
        connection = SharedTlsConnection(*cargs, **{**cparams, "read_timeout": seconds})
    except dialect.loaded_dbapi.OperationalError as error:
        if "timed out" not in str(error):
            raise
        raise not_connected(dialect, seconds) from None
    connection._read_timeout = cparams["read_timeout"]  # what PyMySQL reads each packet under
    return connection


def refuse_unknown_character_set(dialect: Any, cparams: dict) -> None:
    """Raise the driver's OperationalError, worded as libpq words a refused option, for a
    `?charset=` PyMySQL does not know: it would fail with an AttributeError of its own, which
    reads as a bug, not as the URL's mistake it is (runtime/_driver_errors.py)."""
    from pymysql.charset import charset_by_name

    charset = cparams.get("charset")
    if charset and charset_by_name(charset) is None:
        raise dialect.loaded_dbapi.OperationalError(
            MYSQL_UNKNOWN_CHARACTER_SET,
            f'invalid charset value: "{charset}" (PyMySQL knows no such character set)',
        )


def not_connected(dialect: Any, seconds: float) -> Exception:
    """The driver's OperationalError saying that the connect timeout ended a connect."""
    return dialect.loaded_dbapi.OperationalError(
        MYSQL_CANNOT_CONNECT,
        f"no answer from the server within {seconds:g} s of connecting (DATABASE_CONNECT_TIMEOUT)",
    )


def whole_connect_bounded(dialect: Any, timeouts: Timeouts) -> Any:
    """aiomysql's connect, greeting and sign-in included, bounded by the connect timeout."""
    import asyncio

    connect = dialect.loaded_dbapi.aiomysql.connect

    async def connect_within(*arguments: Any, **keywords: Any) -> Any:
        try:
            return await asyncio.wait_for(connect(*arguments, **keywords), timeouts.connect)
        except asyncio.TimeoutError:
            raise not_connected(dialect, timeouts.connect) from None

    return connect_within


def watch_reads(dialect: Any, seconds: float) -> None:
    """Put every method of ``dialect`` (this engine's own instance) that waits under a deadline.

    PyMySQL keeps its own (``read_timeout``): only its error is reworded, to name the setting.
    """
    for name, leads_to in WAITING_METHODS.items():
        method = getattr(dialect, name)
        if dialect.driver == "pymysql":
            setattr(dialect, name, timeout_named(method, seconds, dialect))
        else:
            setattr(dialect, name, deadline_for(method, leads_to, seconds, dialect))


def no_answer(dialect: Any, seconds: float) -> Exception:
    """The driver's OperationalError saying that the read deadline ended the connection."""
    message = (
        f"no answer from the database server within {seconds:g} s, so the connection was"
        " closed (raise DATABASE_READ_TIMEOUT if a statement needs longer)"
    )
    error_class = dialect.loaded_dbapi.OperationalError
    return (
        error_class(MYSQL_LOST_CONNECTION, message)
        if dialect.name == "mysql"
        else error_class(message)
    )


def deadline_for(method: Any, leads_to: str, seconds: float, dialect: Any) -> Any:
    from alembic_steward.runtime._read_watchdog import watching

    @wraps(method)
    def bounded(*arguments: Any, **keywords: Any) -> Any:
        fd = socket_of(arguments, keywords, leads_to)
        if fd is None:
            return method(*arguments, **keywords)
        with watching(fd, seconds) as watch:
            try:
                return method(*arguments, **keywords)
            except Exception as error:
                if not watch.fired:
                    raise
                raise no_answer(dialect, seconds) from error

    return bounded


def timeout_named(method: Any, seconds: float, dialect: Any) -> Any:
    @wraps(method)
    def named(*arguments: Any, **keywords: Any) -> Any:
        try:
            return method(*arguments, **keywords)
        except dialect.loaded_dbapi.OperationalError as error:
            if error.args[:1] != (MYSQL_LOST_CONNECTION,) or "timed out" not in str(error):
                raise
            raise no_answer(dialect, seconds) from error

    return named


def socket_of(arguments: tuple, keywords: dict, leads_to: str) -> int | None:
    """The socket descriptor of the connection a waiting dialect method was given, if any."""
    if leads_to == "cursor":
        context = keywords.get("context", arguments[-1] if len(arguments) > 2 else None)
        holder = getattr(getattr(context, "root_connection", None), "connection", None)
        if holder is None:
            cursor = arguments[0]  # an asyncio adapter's, or the driver's own
            holder = getattr(cursor, "_adapt_connection", None) or cursor.connection
    elif leads_to == "sqlalchemy connection":
        holder = getattr(arguments[0], "connection", None)
    else:
        holder = arguments[0]
    driver = getattr(holder, "driver_connection", None) or holder
    try:
        pgconn = getattr(driver, "pgconn", None)
        if pgconn is not None:
            return int(pgconn.socket)
        writer = getattr(driver, "_writer", None)  # aiomysql's stream
        if writer is not None:
            return writer.transport.get_extra_info("socket").fileno()
    except Exception:  # noqa: BLE001 - a closed connection: the driver itself will say so
        return None
    return None
