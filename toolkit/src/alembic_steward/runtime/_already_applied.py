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

import functools
from collections.abc import Callable, Container, Iterable
from typing import Any

from alembic.util import CommandError


class AlreadyApplied(CommandError):
    """An upgrade refused before its first step: the version table is behind what ran here."""


def refusing_reruns(plan_steps: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """Wrap Alembic's ``fn`` (the command's planned steps) so that an online upgrade whose plan
    holds a revision with a checksum row stops before its first step; None stays None."""
    if plan_steps is None:
        return None

    @functools.wraps(plan_steps)  # keeps the command's name (`upgrade`) for later wrappers
    def steps(heads: Any, migration_context: Any) -> Iterable[Any]:
        planned = plan_steps(heads, migration_context)
        # Alembic's commands plan a list. A generator (the baked stairway's) does its own work
        # between the steps it yields, so it is never drained ahead of them: it plans itself.
        if isinstance(planned, list) and not migration_context.as_sql:
            # Alembic names `upgrade`'s planning function after its command (`do_stamp` for stamp).
            upgrading = getattr(plan_steps, "__name__", None) == "upgrade"
            tables = refuse_planned_reruns(migration_context.connection, planned, heads, upgrading)
            if tables is not None:  # an upgrade with nothing to run
                refuse_upgrade_ahead(migration_context, tuple(heads), tables)
        return planned

    return steps


def refuse_planned_reruns(
    connection: Any, planned: list[Any], heads: tuple[str, ...], upgrading: bool = False
) -> set[str] | None:
    """Refuse a plan that runs again a revision with a checksum row; for an upgrade with
    nothing to run, return the database's table names, read for the stamp's differences."""
    from alembic.runtime.migration import RevisionStep

    upgrades = [
        step.revision.revision
        for step in planned
        if isinstance(step, RevisionStep) and step.is_upgrade
    ]
    if not upgrades:
        # Nothing to run: a stamp that found differences says so (only here). The table names
        # are read once for it and for the rows of a head that never ran (refuse_upgrade_ahead).
        if upgrading:
            from sqlalchemy import inspect

            from alembic_steward.runtime._stamp_differences import (
                STAMP_DIFFERENCES_TABLE,
                refuse_upgrade_over_differing_stamp,
            )

            tables = set(inspect(connection).get_table_names())
            if STAMP_DIFFERENCES_TABLE in tables:
                refuse_upgrade_over_differing_stamp(connection, tuple(heads))
            return tables
        return None
    from alembic_steward.runtime._revision_checksums import recorded_values

    ran = recorded_runs(upgrades, recorded_values(connection))
    if ran:
        raise AlreadyApplied(already_applied_line(list(heads), ran))
    return None


def refuse_upgrade_ahead(migration_context: Any, heads: tuple[str, ...], tables: set[str]) -> None:
    """Nothing to run: stop when the version table names a revision that never ran here
    (runtime/_unran_heads.py), e.g. moved ahead by an UPDATE by hand after a downgrade."""
    from alembic_steward.runtime._unran_heads import refuse_upgrade_ahead_of_runs

    if migration_context.script is not None:
        connection, script = migration_context.connection, migration_context.script
        refuse_upgrade_ahead_of_runs(connection, script, heads, tables)


def already_applied_line(heads: list[str], ran: list[str], *, said_by: str = "upgrade") -> str:
    """What the version table says, which pending revisions ran already, and the two stamps
    that record the truth, whichever it is; ``said_by``: "upgrade" (the refused upgrade
    itself), "status" (which runs nothing, and is the comparison the others advise) or "advice"
    (anything else)."""
    from alembic_steward.runtime._advice import installed_service
    from alembic_steward.runtime._half_applied_marks import describe_heads, stamp_command
    from alembic_steward.runtime._running_migration import status_command

    at = describe_heads(heads)
    listed = ", ".join(ran)
    one = len(ran) == 1
    # An installed service's `current` compares nothing; its stamp compares and warns.
    compares = (
        "" if installed_service() or said_by == "status" else f" ({status_command()} compares)"
    )
    them = "it" if one else "them"
    if said_by == "upgrade":
        outcome = f"this upgrade would run {them} a second time; nothing was run"
    else:
        outcome = f"an upgrade would refuse to run {them} a second time"
    return (
        f"the version table says the database is at {at}, but {listed}"
        f" {'is' if one else 'are'} recorded as applied here (alembic_revision_checksums keeps"
        f" the row written when {'its' if one else 'their'} upgrade() ran, or a stamp marked"
        f" {'it' if one else 'them'} applied): the version table was moved back without a"
        f" downgrade (a raw `alembic stamp`?), and {outcome}. If the database"
        f" holds what {ran[-1]} builds{compares}, record that with"
        f" {stamp_command([ran[-1]])}; if that work was undone by hand, record {at} with"
        f" {stamp_command(heads or ['base'])}"
    )


def upgrade_refusal(
    connection: Any, script: Any, current: tuple[str, ...], *, said_by: str = "advice"
) -> str | None:
    """The line an upgrade to head would be refused with here, or None when it would run;
    ``said_by``: who says it (already_applied_line).

    For advice that must not name `db.upgrade` when the upgrade would refuse (`db.current
    --check` after a stamp moved the version table back), and for status's reading of a
    version table moved back (inspection/_moved_version_table.py).
    """
    from alembic_steward.runtime._revision_checksums import recorded_values

    recorded = recorded_values(connection)
    if not recorded:
        return None
    pending = script.iterate_revisions("heads", current or "base")
    ran = recorded_runs([revision.revision for revision in reversed(list(pending))], recorded)
    return already_applied_line(list(current), ran, said_by=said_by) if ran else None


def recorded_runs(revisions: Iterable[str], recorded: Container[str]) -> list[str]:
    """Those of ``revisions`` with a checksum row (``recorded``: runtime/_revision_checksums.py
    ``recorded_values``), in their order. The last is the stamp advised, by the upgrade's
    refusal and by status's reading of a database that holds what several revisions build
    alike (inspection/_later_builds.py ``stamped_revision``): both name the same one."""
    return [revision for revision in revisions if revision in recorded]
