"""Say what a run that waited for the migration lock found once it had it.

A second `inv db.upgrade` started while another ran waits for the lock (runtime/_lock.py),
then finds nothing left to run: Alembic prints nothing then, so the run ended 0 in silence
after its wait, and nobody could tell whether it had done anything. It says what it found.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# The planning functions of the commands that run migrations (Alembic names them so).
MIGRATING_COMMANDS = {"upgrade": "upgrade", "downgrade": "downgrade"}


def counting_applied(applied: list[str]) -> Callable[..., None]:
    """An ``on_version_apply`` callback that notes each revision the run applied."""

    def note(*, step: Any, **_: Any) -> None:
        applied.append(step.up_revision_id or step.down_revision_ids)

    return note


def found_after_waiting(command: str | None, current: Sequence[str]) -> str | None:
    """The line for a ``command`` run that waited for the lock and then had nothing to run,
    ``current`` being the revisions read once it had the lock; None for other commands."""
    from alembic_steward.runtime._offline_runs import where_the_database_is

    verb = MIGRATING_COMMANDS.get(command or "")
    if verb is None:
        return None
    return (
        f"Nothing to run: this {verb} waited for the migration lock another run held, and that"
        f" run left the database {where_the_database_is(current)} (read once the lock was free)"
    )
