"""Work out which way, and over which range, the database must move to reach a target revision."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

# A relative step (`-1`, `+2`, `head-1`, `ae10+2`): its sign says which way it goes.
RELATIVE_STEP = re.compile(r"(?:.*?)(?P<sign>[+-])\d+")


@dataclass(frozen=True)
class MigrationPlan:
    """An offline range for `alembic.command.upgrade`/`downgrade` (``sql=True``), or nothing."""

    direction: str  # "upgrade", "downgrade" or "none"
    revision_range: str


def plan_migration(script: ScriptDirectory, current: list[str], target: str) -> MigrationPlan:
    """Plan the move from the database's ``current`` heads to ``target`` (an id, head or base)."""
    from alembic.util import CommandError

    if len(current) > 1:
        from alembic_steward.runtime._up_to_date import upgrade_command

        raise CommandError(
            f"the database is at several heads ({', '.join(current)});"
            f" run `{upgrade_command()}` to apply the merge revision first"
        )
    start = current[0] if current else None
    target = step_reached(script, start, target)
    if target == "base":
        return MigrationPlan("downgrade", f"{start}:base") if start else MigrationPlan("none", "")
    destination = script.get_revision(target)
    if destination is None or destination.revision == start:
        return MigrationPlan("none", "")
    if start is None:
        return MigrationPlan("upgrade", destination.revision)
    below_start = {rev.revision for rev in script.iterate_revisions(start, "base")}
    direction = "downgrade" if destination.revision in below_start else "upgrade"
    return MigrationPlan(direction, f"{start}:{destination.revision}")


def step_reached(script: ScriptDirectory, start: str | None, target: str) -> str:
    """``target`` itself, or, for a relative step, the revision it reaches from ``start``, read
    as `inv db.upgrade`/`db.downgrade` read it (`-1` is db.downgrade's default step). A step it
    cannot take is its CommandError."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    from alembic_steward.runtime._relative_targets import StepMissesOneRevision, reached_by_step

    step = RELATIVE_STEP.fullmatch(target)
    if step is None:
        return target
    direction = "upgrade" if step.group("sign") == "+" else "downgrade"
    try:
        return reached_by_step(script.revision_map, (start,) if start else (), target, direction)
    except StepMissesOneRevision:
        raise CommandError(f"the step {target} does not reach one revision") from None
    except RevisionError as error:
        raise CommandError(str(error)) from None
