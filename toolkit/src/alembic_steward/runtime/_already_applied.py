"""Refuse an upgrade that would run again a revision whose upgrade() already ran here.

The version table is the only thing Alembic reads to decide what to run, so one moved back
behind the toolkit's back (raw `alembic stamp` one revision too low, an UPDATE by hand) makes
the next upgrade run revisions a second time: a data step doubles its work, and on MySQL/MariaDB
committed DDL is run again before something fails. The checksum table says what is applied: a
row is written when a revision's upgrade() runs (or a stamp marks it applied) and dropped only
when its downgrade() runs or when `inv db.stamp` has compared the schema with what it records
(runtime/_stamp_comparison.py). So a revision the upgrade plans to run that already has a row
is refused before anything runs. The
plan is read, not the schema: an upgrade with nothing to run costs nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from alembic.util import CommandError


class AlreadyApplied(CommandError):
    """An upgrade refused before its first step: the version table is behind what ran here."""


def refusing_reruns(plan_steps: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """Wrap Alembic's ``fn`` (the command's planned steps) so that an online upgrade whose plan
    holds a revision with a checksum row stops before its first step; None stays None."""
    if plan_steps is None:
        return None

    def steps(heads: Any, migration_context: Any) -> Iterator[Any]:
        plan = plan_steps(heads, migration_context)
        if isinstance(plan, Iterator):
            # A plan made as the run goes, not a command's list: the stairway's walk describes
            # the schema and writes rows between its steps, so drawing its steps ahead would do
            # all of that before anything ran. It works on a fresh database of its own.
            yield from plan
            return
        planned = list(plan)
        if not migration_context.as_sql:
            refuse_planned_reruns(migration_context.connection, planned, heads)
        yield from planned

    return steps


def refuse_planned_reruns(connection: Any, planned: list[Any], heads: tuple[str, ...]) -> None:
    from alembic.runtime.migration import RevisionStep

    from alembic_steward.runtime._revision_checksums import recorded_values

    upgrades = [
        step.revision.revision
        for step in planned
        if isinstance(step, RevisionStep) and step.is_upgrade
    ]
    if not upgrades:
        return
    recorded = recorded_values(connection)
    ran = [revision for revision in upgrades if revision in recorded]
    if ran:
        raise AlreadyApplied(already_applied_line(list(heads), ran))


def already_applied_line(heads: list[str], ran: list[str]) -> str:
    """What the version table says, which pending revisions ran already, and the two stamps
    that record the truth, whichever it is."""
    from alembic_steward.runtime._advice import installed_service
    from alembic_steward.runtime._half_applied_marks import describe_heads, stamp_command
    from alembic_steward.runtime._running_migration import status_command

    at = describe_heads(heads)
    listed = ", ".join(ran)
    one = len(ran) == 1
    # An installed service's `current` compares nothing; its stamp compares and warns.
    compares = "" if installed_service() else f" ({status_command()} compares)"
    return (
        f"the version table says the database is at {at}, but {listed}"
        f" {'is' if one else 'are'} recorded as applied here (alembic_revision_checksums keeps"
        f" the row written when {'its' if one else 'their'} upgrade() ran, or a stamp marked"
        f" {'it' if one else 'them'} applied): the version table was moved back without a"
        " downgrade (a raw `alembic stamp`?), and this upgrade would run"
        f" {'it' if one else 'them'} a second time; nothing was run. If the database"
        f" holds what {ran[-1]} builds{compares}, record that with"
        f" {stamp_command([ran[-1]])}; if that work was undone by hand, record {at} with"
        f" {stamp_command(heads or ['base'])}"
    )
