"""Behind head, a database that differs from its revision where the pending revisions change
nothing (a column added by hand to a table they leave alone): the upgrade runs past it, and
the difference stays after it, so "the upgrade would run into them" is not said. Unless an
upgrade from here is recorded as failed (runtime/_failed_runs.py): whatever the comparison
says, it did not run past them, and "runs" would send the user into the same failure.

Told by building the pending revisions on the scratch database that built the database's own
(inspection/_revision_comparison.py): the objects that differ are not among those they change.
A pending revision that fails there (failing_past_advice) fails on every database built from
the revisions: "runs" is then never said, whatever the differences are.

What an edit accepted here left (runtime/_accepted_edits.py), when it is every difference, is
named as that edit's: no hand change or failed migration is blamed that never happened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


HAND_OR_FAILED = (
    "changed by hand, or left by a migration that failed after committing part of its work"
)


def past_causes(accepted_left: Sequence[str] = ()) -> str:
    """Who left the differences: the edits of ``accepted_left`` accepted here, when they left
    every one; else a hand change or a failed migration."""
    if not accepted_left:
        return HAND_OR_FAILED
    commands = ", ".join(f"`inv db.accept-edit -r {revision}`" for revision in accepted_left)
    several = len(accepted_left) > 1
    built = "those revisions no longer build" if several else "that revision no longer builds"
    return (
        f"left by the edit of {', '.join(accepted_left)} accepted here ({commands}): {built}"
        " them, and the database kept them"
    )


def pending_past_advice(
    where: str,
    restoring: Sequence[str] = (),
    briefs: Sequence[str] = (),
    accepted_left: Sequence[str] = (),
) -> str:
    """The advice when the pending revisions change none of the objects that differ;
    ``restoring``: statements that undo some of them (inspection/_restoring_statements.py);
    ``briefs``: the differences in brief, whose kinds word the repair; ``accepted_left``: the
    accepted edits that left them all, if they did."""
    from alembic_steward.inspection._drift_sides import stamp_and_upgrade_commands
    from alembic_steward.inspection._restoring_statements import restoring_advice
    from alembic_steward.runtime._advice import bound_tenant_options
    from alembic_steward.runtime._hand_repairs import repair_by_hand

    _, upgrade = stamp_and_upgrade_commands()
    reset = "" if bound_tenant_options() else ", or in development `inv db.reset`"
    return (
        f"the database is not what its revision builds {where}: {past_causes(accepted_left)};"
        " the pending migrations"
        f" change none of those objects, so {upgrade} runs, and leaves them as they are:"
        f" {repair_by_hand(briefs, them='them')} (before or after it)"
        f"{restoring_advice(restoring)}{reset}"
    )


def failed_past_advice(
    where: str, failed: str, restoring: Sequence[str] = (), accepted_left: Sequence[str] = ()
) -> str:
    """The advice when the pending revisions change none of the objects that differ, yet the
    last upgrade from here failed (``failed``: how, in words): on them, on the data, or on the
    revision; the failure's reason tells which, the comparison cannot."""
    from alembic_steward.inspection._drift_sides import stamp_and_upgrade_commands
    from alembic_steward.inspection._restoring_statements import restoring_advice
    from alembic_steward.runtime._advice import bound_tenant_options

    _, upgrade = stamp_and_upgrade_commands()
    reset = "" if bound_tenant_options() else ", or in development `inv db.reset`"
    return (
        f"the database is not what its revision builds {where}: {past_causes(accepted_left)};"
        f" {failed} with them in"
        f" place, so {upgrade} would likely fail the same way: fix what that failure names"
        f" (one of those objects: undo it by hand{restoring_advice(restoring)}; the data; or the"
        " revision), then run"
        f" {upgrade}{reset}"
    )


def failing_past_advice(
    where: str,
    failure: str,
    restoring: Sequence[str],
    on_rows: bool,
    briefs: Sequence[str] = (),
    accepted_left: Sequence[str] = (),
) -> str:
    """The advice when the database differs from its revision and a pending revision fails on
    the scratch database built at that revision (``failure``: how, in words; ``briefs``: the
    differences in brief, whose kinds word the repair)."""
    from alembic_steward.inspection._drift_sides import stamp_and_upgrade_commands
    from alembic_steward.inspection._restoring_statements import restoring_advice
    from alembic_steward.runtime._advice import bound_tenant_options
    from alembic_steward.runtime._hand_repairs import repair_by_hand

    _, upgrade = stamp_and_upgrade_commands()
    reset = "" if bound_tenant_options() else ", or in development `inv db.reset`"
    fails = (
        "may fail here too (this database's rows were not read)"
        if on_rows
        else "would most likely fail here too"
    )
    return (
        f"pending migrations, but {failure}: every database built from the revisions fails"
        f" there, and {upgrade} {fails}: fix that revision's file, then run {upgrade}; besides"
        f" that, the database is not what its revision builds {where}:"
        f" {past_causes(accepted_left)}: {repair_by_hand(briefs, them='them')}"
        f" (before or after it){restoring_advice(restoring)}{reset}"
    )
