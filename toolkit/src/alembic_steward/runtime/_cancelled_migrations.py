"""Give the signal that stopped an async run's event loop the migration the loop then cancelled.

In an asyncio service the signal's exception is raised in the event loop, outside the
migration's own frames; asyncio.run then cancels the migration, whose CancelledError passes
through them and carries the state read afterwards (runtime/_state_after_failure.py). The
signal's line must name that migration and what it left, as a blocking run's does.

With no signal, a CancelledError out of the loop is the run's own code cancelling the task that
runs it (``asyncio.current_task().cancel()`` in a migration): a failure like any other, whose
line says so with the state read after it, not a BaseException's traceback.
"""

from __future__ import annotations


class CancelledInTheLoop:
    """An async run's migration the event loop cancelled when a signal stopped the loop."""

    error: BaseException | None = None


def signal_with_cancelled_migration(stop: BaseException) -> BaseException:
    """``stop`` (a signal's exception, raised in an async run's event loop) carrying the
    traceback and state of the migration the loop then cancelled, so its line names that
    migration and what it left, as a blocking run's does."""
    from alembic_steward.runtime._state_lines import STATE_ATTRIBUTE

    cancelled, CancelledInTheLoop.error = CancelledInTheLoop.error, None
    if cancelled is None or not hasattr(cancelled, STATE_ATTRIBUTE):
        return stop
    setattr(stop, STATE_ATTRIBUTE, getattr(cancelled, STATE_ATTRIBUTE))
    return stop.with_traceback(cancelled.__traceback__)


class MigrationTaskCancelled(Exception):
    """The asyncio task that ran the migrations was cancelled by code it ran, not by a signal."""


def failure_of_cancelled_task(cancelled: BaseException) -> MigrationTaskCancelled:
    """``cancelled`` (a CancelledError no signal caused) as an ordinary failure: its traceback,
    so the migration it stopped is found, and the state read after it."""
    from alembic_steward.runtime._exception_notes import add_note
    from alembic_steward.runtime._state_lines import STATE_ATTRIBUTE

    failure = MigrationTaskCancelled(
        "the asyncio task running the migrations was cancelled by code the migration ran"
        " (asyncio.CancelledError), not by a signal: a migration must leave that task uncancelled"
    )
    cancelled = raised_in_the_task(cancelled)
    if hasattr(cancelled, STATE_ATTRIBUTE):
        setattr(failure, STATE_ATTRIBUTE, getattr(cancelled, STATE_ATTRIBUTE))
    for note in getattr(cancelled, "__notes__", ()):  # the state, as start-up code reads it
        add_note(failure, note)
    return failure.with_traceback(cancelled.__traceback__)


def raised_in_the_task(cancelled: BaseException) -> BaseException:
    """The CancelledError that went through the migration's frames (its traceback and state):
    Python 3.10's asyncio.run raises a new one for the cancelled task, with that one as its
    ``__context__``; 3.11's raises that one itself."""
    import asyncio

    while isinstance(cancelled.__context__, asyncio.CancelledError):
        cancelled = cancelled.__context__
    return cancelled
