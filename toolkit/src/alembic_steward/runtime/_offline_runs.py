"""Offline runs (`db.plan`, `db.upgrade --sql`, `db.downgrade --sql`) change nothing, and say so.

An offline run only prints SQL: Alembic renders it without a database, or on SQLite a private
copy runs it (inspection/_captured_sql.py). Whatever stops one, a failed migration, a refusal or
Ctrl-C, the live database is as it was, so its state line says that and where the database
is, read from its version table; never "rolled back" or "half-applied", which describe a run
that wrote. Every failure line of an offline run takes its state from here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Any

# The task whose offline run is in progress (`db.plan`), for checks made during the run.
_ACTIVE_RUN: ContextVar[str | None] = ContextVar("alembic_steward_offline_run", default=None)
# Set on an exception that left an offline run, to the task's name: the error policy reads it.
TASK_ATTRIBUTE = "alembic_steward_offline_task"
# Set on such an exception once its state line is read, so the database is read once.
STATE_ATTRIBUTE = "alembic_steward_offline_state"


@contextmanager
def offline_run(task: str) -> Iterator[None]:
    """Mark the block as ``task``'s offline run (e.g. "db.plan"), and every error leaving it."""
    token = _ACTIVE_RUN.set(task)
    try:
        yield
    except BaseException as error:
        # The policy describes the error after this block has ended: the error carries it.
        setattr(error, TASK_ATTRIBUTE, task)
        raise
    finally:
        _ACTIVE_RUN.reset(token)


def offline_run_active() -> bool:
    """Tell whether the code running now is part of an offline run (on SQLite, the copy's)."""
    return _ACTIVE_RUN.get() is not None


def ran_offline(error: BaseException) -> bool:
    """Tell whether ``error`` stopped an offline run."""
    return getattr(error, TASK_ATTRIBUTE, None) is not None


def where_the_database_is(heads: Sequence[str]) -> str:
    """`at REV` (several: `at A, B`), or `at base (no migration applied)`: a version table's."""
    return f"at {', '.join(heads)}" if heads else "at base (no migration applied)"


def offline_state_line(error: BaseException) -> str:
    """Say that the offline run ``error`` stopped changed nothing, and where the database is.

    Read from the live database's version table (a SQLite file read-only, never created);
    when it cannot be read, the line says so and why. Never raises.
    """
    known = getattr(error, STATE_ATTRIBUTE, None)
    if known is not None:
        return known
    task = getattr(error, TASK_ATTRIBUTE, None) or "an offline run"
    unchanged = f"nothing was changed ({task} only prints SQL)"
    try:
        line = f"{unchanged}; the database is {where_the_database_is(read_live_heads())}"
    except Exception as reading_error:  # noqa: BLE001 - the state is read on a failure path
        from alembic_steward.runtime._driver_errors import error_reason

        reason = error_reason(reading_error)
        line = f"{unchanged}; the database's revision could not be read ({reason})"
    # An exception type with __slots__ takes no attribute: its state is read again next time.
    with suppress(AttributeError):
        setattr(error, STATE_ATTRIBUTE, line)
    return line


def interrupted_offline_line(error: BaseException, signal_name: str) -> str:
    """The one line for an offline run a signal stopped: what stopped, nothing changed, where."""
    task = getattr(error, TASK_ATTRIBUTE)
    return f"error: {signal_name} stopped {task}; {offline_state_line(error)}"


def read_live_heads() -> tuple[str, ...]:
    """The revisions in the live database's version table; a SQLite file is only read.

    Raises FileNotFoundError for a SQLite file that does not exist, and the driver's error when
    the database cannot be read.
    """
    from alembic.runtime.migration import MigrationContext

    from alembic_steward._wiring import get_blocking_engine

    live_file = live_sqlite_file()
    engine = get_blocking_engine() if live_file is None else read_only_sqlite_engine(live_file)
    try:
        with engine.connect() as connection:
            return tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        if live_file is not None:
            engine.dispose()


def live_sqlite_file() -> Path | None:
    """The service's SQLite database file, or None when its database is on a server."""
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings

    url = make_url(get_settings().blocking_database_url)
    if url.get_backend_name() != "sqlite":
        return None
    return Path(url.database or "")


def missing_sqlite_file(database_url: str | None = None) -> Path | None:
    """The SQLite file ``database_url`` (default: DATABASE_URL's) names, when it does not exist
    and its folder does: connecting would create it, empty. None for a server, an in-memory
    database, a `file:` URI, a file that exists, or a missing folder (connecting fails)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from alembic_steward._wiring import get_settings

    try:
        url = make_url(database_url or get_settings().blocking_database_url)
    except (ArgumentError, ValueError):
        return None  # an unusable URL: connecting says why, as it always did
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("uri") == "true" or url.database.startswith("file:"):
        return None
    path = Path(url.database)
    return path if not path.exists() and path.parent.is_dir() else None


def missing_sqlite_words(path: Path) -> str:
    return f"the SQLite database file {path} that DATABASE_URL names does not exist"


@contextmanager
def missing_sqlite_file_read_as_empty(database_url: str | None = None) -> Iterator[Path | None]:
    """While the block runs, connecting to the SQLite file ``database_url`` names (default:
    DATABASE_URL's), when it does not exist, opens an empty in-memory database instead: what
    only reads the database reads one with nothing in it, and creates no file. Yields that
    file, or None when it exists (or is no SQLite file)."""
    from sqlalchemy import Engine, event

    missing = missing_sqlite_file(database_url)
    if missing is None:
        yield None
        return

    def empty_instead(dialect: Any, _record: Any, cargs: list, _cparams: dict) -> None:
        # Any engine's connection to that file: the app's, or one made from the URL.
        if dialect.name == "sqlite" and cargs and Path(str(cargs[0])) == missing:
            cargs[:] = [":memory:"]

    event.listen(Engine, "do_connect", empty_instead)
    try:
        yield missing
    finally:
        event.remove(Engine, "do_connect", empty_instead)


def read_only_sqlite_uri(path: Path) -> str:
    """An SQLite URI that opens ``path`` for reading only, and fails if it does not exist."""
    return f"{path.resolve().as_uri()}?mode=ro"


def read_only_sqlite_engine(path: Path):  # noqa: ANN201 - an Engine; SQLAlchemy imported late
    """An engine on ``path`` that can only read it: no write, no journal, no new file."""
    import sqlite3

    from sqlalchemy import create_engine, pool

    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    uri = read_only_sqlite_uri(path)
    return create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=pool.NullPool
    )
