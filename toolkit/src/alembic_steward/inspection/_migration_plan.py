"""Work out which way, and over which range, the database must move to reach a target revision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory


@dataclass(frozen=True)
class MigrationPlan:
    """An offline range for `alembic.command.upgrade`/`downgrade` (``sql=True``), or nothing."""

    direction: str  # "upgrade", "downgrade" or "none"
    revision_range: str


def plan_migration(script: ScriptDirectory, current: list[str], target: str) -> MigrationPlan:
    """Plan the move from the database's ``current`` heads to ``target`` (an id, head or base)."""
    from alembic.util import CommandError

    if len(current) > 1:
        raise CommandError(
            f"the database is at several heads ({', '.join(current)});"
            " run `inv db.upgrade` to apply the merge revision first"
        )
    start = current[0] if current else None
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
