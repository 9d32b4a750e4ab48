"""A MySQL/MariaDB mark left at a revision that nothing follows: a downgrade stopped half-way.

The mark (runtime/_half_applied_marks.py) records where the stopped run stood, and which way it
went (runtime/_mark_directions.py). An older release's mark has no direction: when no revision
of this checkout follows that revision, no upgrade from it can have run here: the run was that
revision's downgrade, and status and clear-migration-mark speak of it as the run's own
line did (its downgrade(), the stamp of its parent), not of a next migration that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.runtime._half_applied_marks import (
    clear_command,
    following_revisions,
    parent_of,
    stamp_command,
)
from alembic_steward.runtime._mark_directions import UPGRADE

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory


def downgrade_stopped_at(
    after_revisions: str, script: ScriptDirectory, direction: str | None = None
) -> list[str]:
    """Where finishing the stopped run leaves the database, when it was a downgrade of
    ``after_revisions``: its parent, when the mark says the run was downgrading, or, the
    ``direction`` not recorded, when no revision of this checkout follows it (so no upgrade
    from it ran here). Else []."""
    if direction == UPGRADE:
        return []
    if direction is None and following_revisions(after_revisions, script):
        return []
    return parent_of(after_revisions, script)


def half_applied_downgrade_message(
    after_revisions: str,
    parent: list[str],
    direction: str | None = None,
    raised: str = "",
    *,
    left: tuple[str, ...] = (),
    fault: str = "",
) -> str:
    """The mark of a stopped downgrade of ``after_revisions``: check it against its
    downgrade(), and stamp ``parent`` once it is finished, as the run's own line said; when its
    own code raised ``raised`` (runtime/_raising_downgrades.py), running it again is not the
    way on that follows undoing it: it would raise again (runtime/_stopped_downgrades.py); nor
    when it failed the same way on a scratch database (``fault``: fix it first). ``left``: the
    differences the run's line listed."""
    from alembic_steward.runtime._half_applied_marks import downgrade_again
    from alembic_steward.runtime._stopped_downgrades import again_after_undo

    why = (
        f"which no revision of this checkout follows, so it was downgrading {after_revisions}"
        " (or upgrading to a revision this checkout lacks: pull it first)"
        if direction is None
        else f"downgrading {after_revisions} (as its mark records)"
    )
    stopped = (
        f", where its downgrade() raised {raised} (its own code's error: running it again"
        " raises it again)"
        if raised
        else ""
    )
    finish = "finish it by hand"
    if raised:
        finish = f"finish it by hand (undo what {after_revisions}'s upgrade() made)"
    again = again_after_undo(after_revisions, ", ".join(parent), raised)
    if fault and not raised:
        again = f"{fault}, then {downgrade_again(', '.join(parent))}"
    listed = (
        f" (when it stopped, the database differed from what {after_revisions} builds by:"
        f" {', '.join(left)})"
        if left
        else ""
    )
    return (
        f"the last migration run on this database stopped at revision {after_revisions}, {why}"
        f"{stopped}, and {after_revisions}'s downgrade() may be half-applied: MySQL/MariaDB"
        f" cannot roll DDL back, and each DDL statement also commits the rows the migration"
        f" changed before it{listed}; compare the schema and those rows with {after_revisions}'s"
        f" downgrade(), then either {finish} and record that with {stamp_command(parent)} (which"
        f" also clears this mark), or undo it by hand (back to what {after_revisions} builds)"
        f" and run {clear_command()}{': ' if raised else ', '}{again}"
    )
