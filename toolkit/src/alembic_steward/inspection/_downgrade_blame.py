"""Whose downgrade() left what a database holds after a downgrade: worded once, for one
database (tasks/_downgrade_result.py) and for each tenant of a fan-out
(runtime/_tenant_downgrade_results.py).

A downgrade changes only what its revisions change, so only a difference on an object they
change can be a downgrade()'s leftover (inspection/_run_leftovers.py splits them); the rest was
there before it, left by an earlier downgrade or made by hand, and blaming the revisions just
reverted for it would send the reader to fix a downgrade() that did its work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Difference
    from alembic_steward.inspection._lost_objects import LostObject


@dataclass(frozen=True)
class DowngradeLeftovers:
    """What differs from the target's build after a downgrade that reverted ``reverted``
    (newest first) to ``heads``: ``blamed``, on objects those revisions change, and
    ``before``, on the others."""

    reverted: list[str]
    heads: list[str]
    blamed: list[Difference]
    before: list[Difference]
    # Of the objects there before, those a downgrade()'s batch block lost on SQLite (its table
    # copied without them), by the revision whose downgrade() it was.
    lost: dict[str, list[Difference]] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return ", ".join(self.heads) or "base"

    @property
    def builds(self) -> str:
        return f"what {self.target} builds" if self.heads else "an empty database (base)"

    @property
    def differences(self) -> list[Difference]:
        return self.blamed + [d for each in self.lost.values() for d in each] + self.before


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
    connection: Connection,
    heads: list[str],
    reverted: list[str],
    batch_losses: Iterable[tuple[str, LostObject]] = (),
) -> DowngradeLeftovers | None:
    """The differences between the database on ``connection``, downgraded to ``heads``, and
    what ``heads`` builds, split by whose they can be; None when there are none.
    ``batch_losses``: (reverted revision, what its downgrade()'s batch copy lost), read as the
    downgrade ran (runtime/_batch_losses.py): a difference on one of those is what that
    downgrade()'s batch block lost, not a hand change, nor something its upgrade() made."""
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build
    from alembic_steward.inspection._run_leftovers import split_by_run

    found, _ = leftovers_and_matching_build(
        connection, heads or ["base"], later=False, earlier=False
    )
    if not found:
        return None
    blamed, before = split_by_run(connection, found, heads or ["base"], reverted[:1])
    lost: dict[str, list[Difference]] = {}
    for revision, object_lost in batch_losses:
        for side in (blamed, before):
            for difference in [d for d in side if lost_as(d, object_lost)]:
                side.remove(difference)
                lost.setdefault(revision, []).append(difference)
    return DowngradeLeftovers(reverted, heads, blamed, before, lost)


def lost_as(difference: Difference, lost: LostObject) -> bool:
    """Whether ``difference`` is ``lost``: the same object, missing, or an index different."""
    same = (difference.kind, difference.subject.lower()) == (lost.kind, lost.subject.lower())
    return same and difference.change in ("missing", "different")


def blame_line(left: DowngradeLeftovers, place: Place) -> str:
    """The line saying what the downgrade left, whose downgrade() left it (or that it was there
    before), and what removes it."""
    from alembic_steward.inspection._leftover_makers import forgetful_downgrades, leftover_makers
    from alembic_steward.runtime._hand_repairs import repair_by_hand

    target, builds, noun = left.target, left.builds, place.noun
    not_built = f"after the downgrade to {target}, {noun} is not {builds}{place.listed}"
    check = f"then {place.status} says whether {noun} is {builds}"
    if left.lost:
        return lost_line(left, place, not_built, check)
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
    forgetful, those = forgetful_downgrades(leftover_makers(left.blamed, left.reverted))
    # A downgrade that dropped what its target builds is fixed to keep it, not to undo more.
    lost = any(difference.change == "missing" for difference in left.blamed)
    fix = "keep or make again what it dropped" if lost else "undo them too"
    also = f" ({there_before(left.before, left.reverted)})" if left.before else ""
    return (
        f"{undo}: {forgetful}{also},"
        f" though {place.version_table} says {target}{place.stopped};"
        f" {repair_by_hand(briefs_of(left.blamed + left.before), f' {place.by_hand}')}"
        f" and make {those} {fix}, {check}{place.again}"
    )


def lost_line(left: DowngradeLeftovers, place: Place, not_built: str, check: str) -> str:
    """The line when a downgrade()'s SQLite batch block lost what was there before it."""
    from alembic_steward.inspection._leftover_makers import forgetful_downgrades, leftover_makers
    from alembic_steward.inspection._run_leftovers import briefs

    lost = [difference for each in left.lost.values() for difference in each]
    them = "it" if len(lost) == 1 else "them"
    others = []
    if left.blamed:
        others.append(forgetful_downgrades(leftover_makers(left.blamed, left.reverted))[0])
    if left.before:
        others.append(there_before(left.before, left.reverted))
    also = f" ({'; '.join(others)})" if others else ""
    return (
        f"{not_built}: {briefs(lost)} {'was' if len(lost) == 1 else 'were'} there before this"
        f" downgrade, and the downgrade() of {', '.join(left.lost)} lost {them}: its batch block"
        " recreated the table, and SQLite's batch mode copies a table without its triggers,"
        f" expression indexes and index DESC order or COLLATE{also}; {place.version_table} says"
        f" {left.target}{place.stopped}; make {them} again by hand {place.by_hand}, and make"
        f" that downgrade() make {them} again after its batch block, {check}{place.again}"
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
