"""Downgrade like `alembic.command.downgrade`, but say which revisions will be reverted first."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alembic_steward.tasks._relative_steps import refuse_step_outside_history

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory


def downgrade_announcing(
    config: Config, revision: str, announce: Callable[[list[Script]], None]
) -> None:
    """Revert to ``revision``, calling ``announce`` with the revisions to revert before any runs."""
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._batch_losses import collect_downgrade_losses

    script = ScriptDirectory.from_config(config)
    # What its SQLite batch copies lose, for the check after it (tasks/_downgrade_result.py).
    collect_downgrade_losses()

    # The same steps alembic.command.downgrade computes, read on the same connection: no extra
    # round-trip to learn where the database stands. Named as Alembic names its own: env.py's
    # run reads the name (a downgrade that waited for the lock says so, runtime/_waited_runs.py).
    def downgrade(current: tuple[str, ...], context: Any) -> list:
        from alembic_steward.runtime._backfill_reverts import refuse_reverting_running_backfills

        steps = downgrade_steps(script, revision, current)
        announce([step.revision for step in steps])
        refuse_reverting_running_backfills(context.connection, steps)
        return steps

    with EnvironmentContext(config, script, fn=downgrade, destination_rev=revision):
        script.run_env()


def downgrade_steps(script: ScriptDirectory, revision: str, current: tuple[str, ...]) -> list:
    """The steps a downgrade from ``current`` to ``revision`` takes, newest first."""
    # At base a relative step (`-1`) has nothing to revert, as `base` has not: not an error.
    if not current and (revision == "base" or revision.startswith("-")):
        return []
    from alembic_steward.runtime._irreversible_plans import (
        inv_stop_command,
        refuse_irreversible_steps,
    )

    refuse_relative_step_from_merge(script, revision, current)
    refuse_step_outside_history(script, revision, current, "downgrade")
    steps = list(script._downgrade_revs(revision, current))
    # Before the list is shown or the question asked: a run over it would stop half-way.
    refuse_irreversible_steps(steps, current, inv_stop_command)
    return steps


class RevertPlan:
    """What a downgrade to ``revision`` reverts, shown once: before a terminal's question (the
    ``preview`` of `confirm_destructive`), or else as the run starts (``announce``)."""

    def __init__(self, config: Config, revision: str, show: Callable[[list[Any]], None]) -> None:
        self.config, self.revision, self.show = config, revision, show
        self.confirmed: list[str] | None = None
        # The revisions the run reverts, newest first, once it has started.
        self.reverted: list[str] = []

    @functools.cached_property
    def script(self) -> ScriptDirectory:
        """The history, read once for the preview and the check after the run (reading it
        runs every revision file)."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.config)

    def preview(self) -> bool:
        """Show what the downgrade would revert now; tell whether there is anything."""
        from alembic_steward._wiring import get_blocking_engine
        from alembic_steward.inspection._database_state import require_movable_state

        script = self.script
        with get_blocking_engine().connect() as connection:
            current = tuple(require_movable_state(script, connection).current)
        scripts = [step.revision for step in downgrade_steps(script, self.revision, current)]
        self.show(scripts)
        self.confirmed = [revision.revision for revision in scripts]
        return bool(scripts)

    def announce(self, scripts: list[Script]) -> None:
        """Show the reverts as the run starts, or check they are still the ones confirmed."""
        now = [revision.revision for revision in scripts]
        if self.confirmed is None:
            self.show(scripts)
            self.reverted = now
            return
        if now != self.confirmed:
            from alembic.util import CommandError

            # Another run moved the database while the question waited for an answer.
            raise CommandError(
                "the database changed while you answered: it would now revert"
                f" {', '.join(now) or 'nothing'}, not what you confirmed; nothing was reverted;"
                " run the command again to see and confirm what it reverts now"
            )
        self.reverted = now


def refuse_relative_step_from_merge(
    script: ScriptDirectory, revision: str, current: tuple[str, ...]
) -> None:
    """Name the parents to go back to, where Alembic would only say "Ambiguous walk"."""
    from alembic.util import CommandError

    if not revision.startswith("-"):
        return
    if len(current) > 1:
        # Alembic would revert one of them, saying only so in a UserWarning.
        at = sorted(current)
        choices = [f"`inv db.downgrade -r {c}@{revision}` reverts only {c}" for c in at]
        raise CommandError(
            f"the database is at several revisions ({', '.join(at)}), so {revision} steps"
            f" are ambiguous; name the one to revert: {', '.join(choices)}; nothing was reverted"
        )
    if len(current) != 1:
        return
    merge = script.get_revision(current[0])
    if merge is None or not merge.is_merge_point:
        return
    parents = sorted(merge._versioned_down_revisions)
    raise CommandError(
        f"the database is at merge revision {merge.revision}, which has several parents"
        f" ({', '.join(parents)}), so {revision} steps are ambiguous; name the parent to go back"
        f" to, e.g. `inv db.downgrade -r {parents[0]}`, which reverts only the merge"
    )
