"""Ctrl-C and SIGTERM during a task: raise where the task is, then say what state is left."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Exit codes of a run ended by a signal, as a shell reports them (128 + signal number).
SIGNAL_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Terminated(BaseException):
    """SIGTERM arrived; raised where the task was, so its transaction is rolled back."""


def interrupted_line(error: BaseException, signal_name: str) -> str:
    """Say that a signal stopped the task and what state the database was left in; never raises."""
    try:
        from tasks.db.failed_migration import migration_frame, state_after

        frame = migration_frame(error)
        if frame is not None:
            return f"error: {signal_name} stopped migration {frame.revision}; {state_after(frame)}"
    except BaseException:  # noqa: BLE001, S110 - fall through to the general line below
        pass
    return (
        f"error: {signal_name} stopped the task; each finished migration stays applied;"
        " check the database with `inv db.status`"
    )


@contextmanager
def signals_raise() -> Iterator[None]:
    """Raise where the task is on SIGINT and SIGTERM, so a migration's transaction rolls back.

    SIGINT gets a handler of our own, not Python's default: asyncio.run replaces only the
    default one, with a handler that waits for the event loop, i.e. for a blocking migration
    step to end. Ours interrupts an async bake's migration as promptly as a sync one's.
    """

    def raise_interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    def raise_terminated(signum: int, frame: Any) -> None:
        raise Terminated

    previous_int = signal.signal(signal.SIGINT, raise_interrupt)
    previous_term = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
