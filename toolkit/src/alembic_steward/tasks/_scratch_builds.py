"""Ctrl-C or SIGTERM while a task builds the history in a scratch database (`db.schema`,
`db.squash`): the line says what the task left of the project's files, read from the disk, and
of its scratch database, never a state of the live database, which such a task never changes.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from invoke import Exit

from alembic_steward.runtime._traceback_switch import tracebacks_wanted


@contextmanager
def stopped_scratch_build(command: str, left: Callable[[], str]) -> Iterator[None]:
    """End a signal inside the block in one line: ``command`` (as typed, `db.schema --check`),
    ``left()`` (what the task left where it writes, read now) and what remains of the scratch
    database; exit 130 (SIGINT) or 143 (SIGTERM)."""
    from alembic_steward.inspection._scratch_database import scratch_line
    from alembic_steward.runtime._interruptions import SIGNAL_EXIT_CODES, Terminated

    try:
        yield
    except (KeyboardInterrupt, Terminated) as error:
        if tracebacks_wanted():
            raise
        number = signal.SIGINT if isinstance(error, KeyboardInterrupt) else signal.SIGTERM
        line = f"error: {number.name} stopped {command}; {scratch_line(error)}; {left()}"
        raise Exit(line, code=SIGNAL_EXIT_CODES[number]) from None


def never_touched(task: str) -> str:
    """The end of the line for a task that builds in scratch databases only."""
    return f"{task} does not change the database DATABASE_URL names"


def contents(paths: list[Path]) -> dict[Path, bytes | None]:
    """Each file's bytes, None for one that does not exist: to tell later what changed."""
    return {path: path.read_bytes() if path.is_file() else None for path in paths}


def changed_since(before: dict[Path, bytes | None]) -> list[Path]:
    """The files of ``before`` whose bytes (or existence) differ now."""
    return [path for path, data in before.items() if contents([path])[path] != data]


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done, then raise the first one, so what the
    block writes is written whole (where Python runs signal handlers: the main thread)."""
    import threading

    from alembic_steward.runtime._interruptions import stop

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    numbers = (signal.SIGINT, signal.SIGTERM)
    previous = {
        number: signal.signal(number, lambda n, _: received.append(n)) for number in numbers
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if received:
        raise stop(received[0])
