"""Whose downgrade() left what a database holds after a downgrade: worded once, for one
database (tasks/_downgrade_result.py) and for each tenant of a fan-out
(runtime/_tenant_downgrade_results.py).

A downgrade changes only what its revisions change, so only a difference on an object they
change can be a downgrade()'s leftover (inspection/_run_leftovers.py splits them); the rest was
there before it, left by an earlier downgrade or made by hand, and blaming the revisions just
reverted for it would send the reader to fix a downgrade() that did its work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Difference


@dataclass(frozen=True)
class DowngradeLeftovers:
    """What differs from the target's build after a downgrade that reverted ``reverted``
    (newest first) to ``heads``: ``blamed``, on objects those revisions change, and
    ``before``, on the others."""

    reverted: list[str]
    heads: list[str]
    blamed: list[Difference]
    before: list[Difference]

    @property
    def target(self) -> str:
        return ", ".join(self.heads) or "base"

    @property
    def builds(self) -> str:
        return f"what {self.target} builds" if self.heads else "an empty database (base)"

    @property
    def differences(self) -> list[Difference]:
        return self.blamed + self.before


@dataclass(frozen=True)
class Place:
    """How the line names where the downgrade ran: one database, or one tenant of a fan-out."""

    noun: str = "the database"
    version_table: str = "the version table"
    # Where the differences are listed: "(listed above)" for one database, inline for a row.
    listed: str = " (listed above)"
    by_hand: str = "(`inv db.shell`)"
    status: str = "`inv db.status`"
    # db.redo's words: it stopped before its upgrade, and how to apply that upgrade.
    stopped: str = ""
    again: str = field(default="")


def read_downgrade_leftovers(
    connection: Connection, heads: list[str], reverted: list[str]
) -> DowngradeLeftovers | None:
    """The differences between the database on ``connection``, downgraded to ``heads``, and
    what ``heads`` builds, split by whose they can be; None when there are none."""
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build
    from alembic_steward.inspection._run_leftovers import split_by_run

    found, _ = leftovers_and_matching_build(
        connection, heads or ["base"], later=False, earlier=False
    )
    if not found:
        return None
    blamed, before = split_by_run(connection, found, heads or ["base"], reverted[:1])
    return DowngradeLeftovers(reverted, heads, blamed, before)


def blame_line(left: DowngradeLeftovers, place: Place) -> str:
    """The line saying what the downgrade left, whose downgrade() left it (or that it was there
    before), and what removes it."""
    from alembic_steward.inspection._leftover_makers import leftover_makers
    from alembic_steward.runtime._hand_repairs import repair_by_hand

    target, builds, noun = left.target, left.builds, place.noun
    not_built = f"after the downgrade to {target}, {noun} is not {builds}{place.listed}"
    check = f"then {place.status} says whether {noun} is {builds}"
    if not left.blamed:
        its = "its" if len(left.reverted) == 1 else "their"
        return (
            f"{not_built}: {there_before(left.before, left.reverted)}; the downgrade() of"
            f" {', '.join(left.reverted)} undid what {its} upgrade() made, and"
            f" {place.version_table} says {target}{place.stopped};"
            f" {repair_by_hand(briefs_of(left.before), f' {place.by_hand}')}, {check}{place.again}"
        )
    undo = (
        f"the downgrade to {target} left what {target} does not build{place.listed}"
        if all(difference.change != "missing" for difference in left.blamed)
        else not_built
    )
    forgetful = ", ".join(leftover_makers(left.blamed, left.reverted))
    # A downgrade that dropped what its target builds is fixed to keep it, not to undo more.
    lost = any(difference.change == "missing" for difference in left.blamed)
    fix = "keep or make again what it dropped" if lost else "undo them too"
    also = f" ({there_before(left.before, left.reverted)})" if left.before else ""
    return (
        f"{undo}: the downgrade() of {forgetful} did not undo all its upgrade() made{also},"
        f" though {place.version_table} says {target}{place.stopped};"
        f" {repair_by_hand(briefs_of(left.blamed + left.before), f' {place.by_hand}')}"
        f" and make that downgrade() {fix}, {check}{place.again}"
    )


def briefs_of(differences: list[Difference]) -> list[str]:
    return [difference.brief() for difference in differences]


def there_before(differences: list[Difference], reverted: list[str]) -> str:
    """`table notes, which r1 does not touch, was there before this downgrade (...)`."""
    from alembic_steward.inspection._run_leftovers import briefs

    touch = "does" if len(reverted) == 1 else "do"
    were = "was" if len(differences) == 1 else "were"
    return (
        f"{briefs(differences)}, which {', '.join(reverted)} {touch} not touch, {were} there"
        " before this downgrade (left by an earlier downgrade, or made by hand)"
    )
