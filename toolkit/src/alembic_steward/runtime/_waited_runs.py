"""Say what a run that waited for the migration lock found once it had it.

A second `inv db.upgrade` started while another ran waits for the lock (runtime/_lock.py),
then finds nothing left to run: Alembic prints nothing then, so the run ended 0 in silence
after its wait, and nobody could tell whether it had done anything. It says what it found. A
command whose meaning depends on where the database is (a downgrade's one step back, an
upgrade's expand phase, a redo) says it before it acts, read once the lock was free: another
run may just have moved the database it was started against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def counting_applied(applied: list[str]) -> Callable[..., None]:
    """An ``on_version_apply`` callback that notes each revision the run applied."""

    def note(*, step: Any, **_: Any) -> None:
        applied.append(step.up_revision_id or step.down_revision_ids)

    return note


def moved_while_waiting(action: str, current: Sequence[str], then: str = "") -> str:
    """`This ACTION waited ..., and that run left the database at REV (read once the lock was
    free)`, ``current`` being the revisions read once it had the lock; ``then`` follows."""
    from alembic_steward.runtime._offline_runs import where_the_database_is

    return (
        f"This {action} waited for the migration lock another run held, and that run left the"
        f" database {where_the_database_is(current)} (read once the lock was free){then}"
    )


def found_after_waiting(command: str | None, current: Sequence[str]) -> str | None:
    """The line for an upgrade that waited for the lock and then had nothing to run, ``current``
    being the revisions read once it had the lock; None for other commands (a downgrade said
    where it stood before it ran: :func:`before_running`)."""
    if command != "upgrade":
        return None
    line = moved_while_waiting("upgrade", current)
    return f"Nothing to run: {line[0].lower()}{line[1:]}"


def before_running(
    command: str | None, destination: str | None, current: Sequence[str]
) -> str | None:
    """The line a downgrade that waited for the lock says before it plans its steps: where it
    goes down from, read once it had the lock; None for other commands."""
    if command != "downgrade":
        return None
    if destination in (None, "-1"):
        then = "; it steps back from there"
    elif destination.startswith("-"):
        then = f"; it steps back {destination[1:]} revisions from there"
    else:
        then = f"; it goes down to {destination} from there"
    return moved_while_waiting("downgrade", current, then)


@contextmanager
def holding_migration_lock(action: str | None = None) -> Iterator[None]:
    """Hold the migration lock across a task's several Alembic runs (env.py's own is
    re-entrant); when it had to wait, say so with where the database is then, as ``action``
    (e.g. "redo"), before the task reads it to act."""
    from alembic.runtime.migration import MigrationContext

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._lock import hold_migration_lock
    from alembic_steward.runtime._migration_lock_timeout import lock_timeout_seconds

    timeout = lock_timeout_seconds()
    engine = get_blocking_engine()
    with engine.connect() as connection, hold_migration_lock(connection, timeout) as waited:
        if waited and action is not None:
            # A connection of its own, closed at once: no read transaction stays open on SQLite.
            with engine.connect() as reading:
                current = MigrationContext.configure(reading).get_current_heads()
            print(moved_while_waiting(action, current))
        yield
