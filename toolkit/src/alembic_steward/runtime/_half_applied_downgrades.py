"""A MySQL/MariaDB mark left at a revision that nothing follows: a downgrade stopped half-way.

The mark (runtime/_half_applied_marks.py) records only where the stopped run started. When no
revision of this checkout follows that revision, no upgrade from it can have run here: the run
was that revision's downgrade, and status and clear-migration-mark speak of it as the run's own
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

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory


def downgrade_stopped_at(after_revisions: str, script: ScriptDirectory) -> list[str]:
    """Where finishing the stopped run leaves the database, when it can only have been a
    downgrade of ``after_revisions``: no revision of this checkout follows it (so no upgrade
    from it ran here), and it has a parent to go down to. Else []."""
    if following_revisions(after_revisions, script):
        return []
    return parent_of(after_revisions, script)


def half_applied_downgrade_message(after_revisions: str, parent: list[str]) -> str:
    """The mark of a stopped downgrade of ``after_revisions``: check it against its
    downgrade(), and stamp ``parent`` once it is finished, as the run's own line said."""
    return (
        f"the last migration run on this database stopped at revision {after_revisions}, which"
        " no revision of this checkout follows, so it was downgrading"
        f" {after_revisions} (or upgrading to a revision this checkout lacks: pull it first),"
        f" and {after_revisions}'s downgrade() may be half-applied: MySQL/MariaDB cannot roll"
        " DDL back, and each DDL statement also commits the rows the migration changed before"
        f" it; compare the schema and those rows with {after_revisions}'s downgrade(), then"
        " either finish it by hand and record that with"
        f" {stamp_command(parent)} (which also clears this mark), or undo it by hand (back to"
        f" what {after_revisions} builds) and run {clear_command()}, then downgrade again"
    )
