"""A downgrade that reverts a backfill's revision: refused while a runner holds the backfill,
and otherwise the backfill's record goes with the revision.

The record says which rows were done and where the cursor stands; once the revision's
downgrade has dropped or changed those rows, a record kept would make the next upgrade's run
resume after a stale cursor (skipping rows) or call the backfill finished when no row is.
It is dropped in the downgrade's own transaction, so the two never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic.util import CommandError

from alembic_steward.runtime._backfill_naming import backfill_advised, backfill_lock_name
from alembic_steward.runtime._backfill_records import PAUSED

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection


class BackfillStillRunning(CommandError):
    """A downgrade would revert a backfill's revision while a runner works on it; the text
    names the backfill, the runner and what to do (Alembic's error: the tasks and the deploy
    entry point print it as the one line it is)."""


def declared_in(scripts: Iterable[Any]) -> list[tuple[str, str]]:
    """(backfill name, revision) for each backfill the revisions ``scripts`` declare."""
    found = []
    for script in scripts:
        for backfill in getattr(script.module, "backfills", None) or ():
            name = getattr(backfill, "name", None)
            if isinstance(name, str):
                found.append((name, script.revision))
    return found


def refuse_reverting_running_backfills(connection: Connection, steps: list[Any]) -> None:
    """Raise BackfillStillRunning when a downgrade's ``steps`` (Alembic's, newest first) revert
    a revision whose backfill a runner holds now: its next batch would write to what the
    downgrade removes. Asked before the first step runs, under the migration lock."""
    from alembic_steward.runtime._named_locks import named_lock_holder

    reverted = [step.revision for step in steps if not step.is_upgrade]
    for name, revision in declared_in(reverted):
        holder = named_lock_holder(connection.engine, backfill_lock_name(name))
        if holder is None:
            continue
        reverts = f"this downgrade reverts revision {revision}, whose backfill {name}"
        signal = sigterm(holder)
        if recorded_state(connection, name) == PAUSED:
            # Pausing it again would change nothing: its runner is what holds it.
            raise BackfillStillRunning(
                f"{reverts} is paused, but its runner still holds it ({holder}) until it"
                f" stops, after its current batch; nothing was reverted; wait for that runner"
                f" to exit{signal}, then downgrade again"
            )
        raise BackfillStillRunning(
            f"{reverts} is running now ({holder}); nothing was reverted; pause it"
            f" ({backfill_advised(f'pause {name}')}: its runner stops after its current"
            f" batch){signal}, or wait for it to finish, then downgrade again"
        )


def recorded_state(connection: Connection, name: str) -> str | None:
    """Backfill ``name``'s state as its record says, read on the downgrade's own connection
    (SQLite's write lock, which the run holds, would keep another connection out); None when
    there is no record."""
    from alembic_steward.runtime._backfill_records import has_table, read_record

    record = read_record(connection, name) if has_table(connection) else None
    return None if record is None else record.state


def sigterm(holder: str) -> str:
    """``, or end it now with SIGTERM to its process (pid N)`` where the lock names the
    runner's pid (PostgreSQL, SQLite); "" where it names only a connection."""
    from alembic_steward.runtime._backfill_holders import runner_pid

    pid = runner_pid(holder)
    return f", or end it now with SIGTERM to its process (pid {pid})" if pid else ""


class ForgottenWhenReverted:
    """An ``on_version_apply`` callback: reverting a revision (not a stamp) drops the records
    of the backfills it declares, in the step's transaction."""

    def __call__(self, *, ctx: Any, step: Any, **_: Any) -> None:
        from alembic_steward.runtime._backfill_changes import forget_declarations
        from alembic_steward.runtime._backfill_records import forget, has_table

        if ctx.as_sql or step.is_upgrade or step.is_stamp:
            return
        scripts = [step.revision_map.get_revision(each) for each in step.up_revision_ids]
        names = [name for name, _revision in declared_in(scripts)]
        if names and has_table(ctx.connection):
            forget(ctx.connection, names)
            forget_declarations(ctx.connection, names)
