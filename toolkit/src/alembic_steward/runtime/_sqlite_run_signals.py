"""Raise a signal's exception in a SQLite run's migration, on a connection kept to roll back.

A signal's exception that SQLAlchemy sees in a statement (KeyboardInterrupt, or asyncio's
cancellation of it) counts as a lost connection: it closes it without a rollback. A sqlite3
connection closed while a cursor still holds its statement (the exception's traceback does)
stays open until that cursor goes, with its transaction and its write lock, so the state read
after the stop waited 30 s for the run's own lock and said "database is locked". On SQLite
neither loses the connection: it is kept, a cancelled statement interrupted, and the run's
transaction rolled back on it.

An asyncio service runs the statement on aiosqlite's thread while the event loop waits for it.
A signal's exception raised in the loop ended it, and asyncio.run's clean-up cancelled the run,
a lost connection again. So a signal that comes while the loop runs waits: the statement is
interrupted (runtime/_sqlite_interrupts.py), and the signal's exception replaces its error as it
comes back into the migration (or is raised before the next statement, or as the run ends), in
the migration's own code, as in a blocking service.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._interruptions import HeldSignal, stop

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.engine import ExceptionContext


@contextmanager
def signals_raised_in_the_migration(connection: Connection) -> Iterator[None]:
    """While the block runs, a signal stops ``connection``'s SQLite run in its migration and
    leaves the connection open for the rollback."""
    from sqlalchemy import event

    engine = connection.engine
    listeners = [
        ("handle_error", signal_keeps_the_connection),
        ("before_cursor_execute", raise_waiting_signal),
        ("after_cursor_execute", raise_waiting_signal),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    HeldSignal.migration_greenlet = running_greenlet()
    try:
        yield
    finally:
        HeldSignal.migration_greenlet = None
        for name, listener in listeners:
            event.remove(engine, name, listener)


def running_greenlet() -> object | None:
    """The greenlet SQLAlchemy runs an asyncio engine's migration in; None in a blocking run."""
    try:
        import greenlet
    except ImportError:  # a blocking service need not have it
        return None
    current = greenlet.getcurrent()
    # SQLAlchemy marks the greenlets it runs synchronous code in (its asyncio bridge).
    return current if getattr(current, "__sqlalchemy_greenlet_provider__", False) else None


def waiting_signal() -> BaseException | None:
    """The exception of a signal that waited for the migration, taken, or None."""
    if HeldSignal.holding or HeldSignal.number is None:
        return None  # a finished migration's bookkeeping keeps it (runtime/_interruptions.py)
    number, HeldSignal.number = HeldSignal.number, None
    return stop(number)


def raise_waiting_signal(*_: Any) -> None:
    """Raise a signal that came while the event loop waited for a statement, once back in the
    migration (before and after each statement)."""
    waiting = waiting_signal()
    if waiting is not None:
        raise waiting


def signal_keeps_the_connection(context: ExceptionContext) -> BaseException | None:
    """A statement's error that a signal caused (or came with), or a stop of the run in a
    driver call (a signal's exception, asyncio's cancellation): keep the connection for the
    rollback, and raise the signal's exception, not "interrupted"."""
    waiting = waiting_signal()
    stopped = not isinstance(context.original_exception, Exception)
    if stopped and context.connection is not None:
        # A cancelled statement goes on in aiosqlite's thread: end it, so the rollback need
        # not wait for it (a no-op once it has ended).
        interrupt_statement(context.connection)
    if waiting is not None or stopped:
        context.is_disconnect = False
    return waiting


def interrupt_statement(connection: Connection) -> None:
    from alembic_steward.runtime._sqlite_interrupts import raw_sqlite_connection

    with suppress(Exception):  # a connection SQLAlchemy no longer holds has nothing running
        raw = raw_sqlite_connection(connection)
        if raw is not None:
            raw.interrupt()
