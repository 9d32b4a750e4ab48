"""Which way the run a MySQL/MariaDB mark records was going: upgrading or downgrading.

The mark (runtime/_half_applied_marks.py) says where the stopped run stood; the way to repair
what it left depends on its direction (finish the next upgrade, or the revision's downgrade()).
The direction is a tag on the mark's one value, `downgrade: r2`, not a column: the bookkeeping
tables' columns never change (CHANGELOG), and a table of its own would cost each run its round
trips. A mark an older release wrote has no tag: its direction is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

UPGRADE = "upgrade"
DOWNGRADE = "downgrade"
DIRECTIONS = (UPGRADE, DOWNGRADE)
TAG_END = ": "


@dataclass(frozen=True)
class Mark:
    """A mark's value, read: the revisions the run stood after, and which way it went."""

    after_revisions: str
    direction: str | None = None  # UPGRADE, DOWNGRADE, or None: not recorded


def run_direction(command: str | None) -> str | None:
    """The direction of a run whose Alembic steps function is named ``command`` (Alembic's
    own `upgrade`/`downgrade`, and the toolkit's named as they are), or None (a stamp, a
    stairway walk going both ways)."""
    return command if command in DIRECTIONS else None


def mark_value(after_revisions: str, direction: str | None) -> str:
    """What the mark's column holds: ``after_revisions``, tagged with the direction if known."""
    return f"{direction}{TAG_END}{after_revisions}" if direction else after_revisions


def read_mark(value: str | None) -> Mark | None:
    """The mark a column value says, an untagged one (an older release's) of no direction."""
    if value is None:
        return None
    tag, found, after_revisions = value.partition(TAG_END)
    if found and tag in DIRECTIONS:
        return Mark(after_revisions, tag)
    return Mark(value)
