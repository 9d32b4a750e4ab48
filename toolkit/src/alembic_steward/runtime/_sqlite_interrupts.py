"""Let SIGINT and SIGTERM stop a SQLite statement that is running, not only the Python around it.

SQLite runs a statement inside the process, in C: Python's signal handlers (runtime/
_interruptions.py) run only once it returns, so Ctrl-C in a long statement (a recursive CTE, a
rebuild of a big table) waited for its end, minutes on. PostgreSQL and MySQL/MariaDB need
nothing of this: the client waits on a socket there, which a signal wakes (psycopg then cancels
the statement on the server; the server ends PyMySQL's with the session).

Python's own signal handler writes each signal's number to the wakeup file descriptor at once,
whatever the main thread is doing; a helper thread reads it and calls ``interrupt()`` on the
run's sqlite3 connection (made for being called from another thread). The statement fails with
"interrupted", its transaction rolls back, and the handler's KeyboardInterrupt (or Terminated)
is raised as soon as the main thread runs Python again, so the run reports the signal. A signal
that arrives while a finished migration's bookkeeping runs is held (runtime/_interruptions.py):
the helper leaves that statement alone too.

In an asyncio service (aiosqlite) the statement runs on aiosqlite's thread: the interrupt ends
it there the same way, and the signal's exception waits for it, to be raised in the migration
(runtime/_sqlite_run_signals.py).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._interruptions import HeldSignal
from alembic_steward.runtime._sqlite_run_signals import signals_raised_in_the_migration

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy import Connection

STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
# Written by the block's end to wake the helper: no signal has the number 0.
DONE = b"\0"


@contextmanager
def sqlite_statements_interruptible(connection: Connection) -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM also interrupt ``connection``'s running SQLite
    statement. Nothing changes on other databases, off the main thread (signals go to the main
    thread only), or where another wakeup descriptor is set (an event loop's own: kept)."""
    raw = raw_sqlite_connection(connection)
    if raw is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    reading, writing = os.pipe()
    os.set_blocking(writing, False)  # the signal handler must never wait on a full pipe
    previous = signal.set_wakeup_fd(writing, warn_on_full_buffer=False)
    if previous != -1:
        signal.set_wakeup_fd(previous)
        os.close(reading)
        os.close(writing)
        yield
        return
    interrupted_for: list[int] = []
    HeldSignal.raised = 0
    helper = threading.Thread(
        target=interrupt_on_stop_signals,
        args=(reading, raw, interrupted_for),
        name="sqlite-interrupts",
        daemon=True,
    )
    helper.start()
    try:
        # The signal's exception is then raised in the migration, its connection kept open.
        with signals_raised_in_the_migration(connection):
            yield
    except Exception as error:
        signal_stop = stop_behind_an_interrupt(error, interrupted_for)
        if signal_stop is None:
            raise
        raise signal_stop from None
    finally:
        signal.set_wakeup_fd(-1)
        os.write(writing, DONE)
        helper.join()
        os.close(reading)
        os.close(writing)


def interrupt_on_stop_signals(
    reading: int, raw: sqlite3.Connection, interrupted_for: list[int]
) -> None:
    """Interrupt ``raw``'s running statement on each stop signal ``reading`` reports, until
    the block's end writes DONE; each signal it interrupted for goes to ``interrupted_for``.

    Not for a signal whose exception the handler has already raised in the run: that stopped
    it. On a busy machine this thread may get to run only after that, as the main thread's next
    SQLite call lets go of the GIL, and interrupted that clean-up statement instead (the state
    read, which then said "database is locked"). The handler may still raise between the check
    and the interrupt (a few bytecodes): the clean-up copes with an interrupt that lands there
    (stop_behind_an_interrupt, runtime/_state_after_failure.py's read made again).
    """
    received = 0
    while True:
        numbers = os.read(reading, 64)
        if not numbers or DONE in numbers:
            return
        stops = STOP_SIGNALS.intersection(numbers)
        received += sum(number in STOP_SIGNALS for number in numbers)
        if stops and not HeldSignal.holding and HeldSignal.raised < received:
            interrupted_for.extend(stops)
            raw.interrupt()


def stop_behind_an_interrupt(error: Exception, interrupted_for: list[int]) -> BaseException | None:
    """The signal's exception to raise instead of ``error``, a statement this module
    interrupted for a signal, or None when ``error`` is something else.

    The helper thread interrupts a moment after the signal: when the main thread was running
    Python then (a migration's own code), the handler's exception came first, and the interrupt
    may land on a statement of the clean-up it set off (the rollback), whose "interrupted"
    error then replaced the signal's: the run said "upgrade failed: interrupted" (exit 1) for a
    SIGTERM. The signal's own exception, kept as that error's context, is raised again, with
    what the run wrote on it; failing that, a new one for the signal.
    """
    import sqlite3

    from alembic_steward.runtime._interruptions import Terminated, stop

    reason = getattr(error, "orig", error)
    if not interrupted_for or not isinstance(reason, sqlite3.OperationalError):
        return None
    if str(reason) != "interrupted":
        return None
    context: BaseException | None = error
    while context is not None:
        if isinstance(context, (KeyboardInterrupt, Terminated)):
            return context
        context = context.__context__
    return stop(interrupted_for[-1])


def raw_sqlite_connection(connection: Connection) -> sqlite3.Connection | None:
    """The sqlite3 connection under ``connection`` (through aiosqlite's adapter in an asyncio
    service), or None on another database."""
    import sqlite3

    if connection.dialect.name != "sqlite":
        return None
    candidate: Any = connection.connection.dbapi_connection
    # SQLAlchemy's aiosqlite adapter holds aiosqlite's connection, which holds sqlite3's.
    for attribute in ("_connection", "_conn"):
        if isinstance(candidate, sqlite3.Connection):
            break
        candidate = getattr(candidate, attribute, None)
    return candidate if isinstance(candidate, sqlite3.Connection) else None
