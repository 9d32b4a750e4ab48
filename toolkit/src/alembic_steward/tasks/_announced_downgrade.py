"""Downgrade like `alembic.command.downgrade`, but say which revisions will be reverted first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory


def downgrade_announcing(
    config: Config, revision: str, announce: Callable[[list[Script]], None]
) -> None:
    """Revert to ``revision``, calling ``announce`` with the revisions to revert before any runs."""
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)

    # The same steps alembic.command.downgrade computes, read on the same connection: no extra
    # round-trip to learn where the database stands.
    def downgrade_steps(current: tuple[str, ...], context: object) -> list:
        # At base a relative step (`-1`) has nothing to revert, as `base` has not: not an error.
        at_base_already = not current and (revision == "base" or revision.startswith("-"))
        if not at_base_already:
            refuse_relative_step_from_merge(script, revision, current)
        steps = [] if at_base_already else script._downgrade_revs(revision, current)
        announce([step.revision for step in steps])
        return steps

    with EnvironmentContext(config, script, fn=downgrade_steps, destination_rev=revision):
        script.run_env()


def refuse_relative_step_from_merge(
    script: ScriptDirectory, revision: str, current: tuple[str, ...]
) -> None:
    """Name the parents to go back to, where Alembic would only say "Ambiguous walk"."""
    from alembic.util import CommandError

    if not revision.startswith("-") or len(current) != 1:
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
