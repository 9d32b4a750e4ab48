"""Give the signal that stopped an async run's event loop the migration the loop then cancelled.

In an asyncio service the signal's exception is raised in the event loop, outside the
migration's own frames; asyncio.run then cancels the migration, whose CancelledError passes
through them and carries the state read afterwards (runtime/_state_after_failure.py). The
signal's line must name that migration and what it left, as a blocking run's does.
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
