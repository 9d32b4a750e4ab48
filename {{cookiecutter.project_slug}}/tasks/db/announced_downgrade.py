"""Downgrade like `alembic.command.downgrade`, but say which revisions will be reverted first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script


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
        steps = [] if at_base_already else script._downgrade_revs(revision, current)
        announce([step.revision for step in steps])
        return steps

    with EnvironmentContext(config, script, fn=downgrade_steps, destination_rev=revision):
        script.run_env()
