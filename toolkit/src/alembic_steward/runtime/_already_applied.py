"""Refuse an upgrade that would run again a revision whose upgrade() already ran here.

The version table is the only thing Alembic reads to decide what to run, so one moved back
behind the toolkit's back (raw `alembic stamp` one revision too low, an UPDATE by hand) makes
the next upgrade run revisions a second time: a data step doubles its work, and on MySQL/MariaDB
committed DDL is run again before something fails. The checksum table says what is applied: a
row is written when a revision's upgrade() runs (or a stamp marks it applied) and dropped only
when its downgrade() runs, or by a stamp at the revision already recorded that finds the schema
what it builds (runtime/_repairs.py: a stamp back keeps them, but the rows the stamp it undoes
wrote, and those of schema-only work it finds undone: runtime/_undone_schema_rows.py). So a
revision the upgrade plans to run that already has a row is refused before anything runs, as is
any upgrade over a stamp that found the database differing from what it records
(runtime/_stamp_differences.py). The plan is read, not the schema: an upgrade with nothing to
run costs nothing more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Container, Iterable
from typing import Any

from alembic_steward.runtime._stamp_differences import StampedAhead


class AlreadyApplied(StampedAhead):
    """An upgrade refused before its first step: the version table is behind what ran here
    (exit 9, as every database the bookkeeping says is not what its version table records)."""


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
    refused = upgrade_refusal(connection, None, heads, said_by="upgrade", planned=upgrades)
    if refused is not None:
        raise AlreadyApplied(refused)
    return None


def refuse_upgrade_ahead(migration_context: Any, heads: tuple[str, ...], tables: set[str]) -> None:
    """Nothing to run: stop when the version table names a revision that never ran here
    (runtime/_unran_heads.py), e.g. moved ahead by an UPDATE by hand after a downgrade."""
    from alembic_steward.runtime._unran_heads import refuse_upgrade_ahead_of_runs

    if migration_context.script is not None:
        connection, script = migration_context.connection, migration_context.script
        refuse_upgrade_ahead_of_runs(connection, script, heads, tables)


def already_applied_line(
    heads: list[str],
    ran: list[str],
    *,
    said_by: str = "upgrade",
    stamped: bool = False,
    differing: bool = False,
) -> str:
    """What the version table says, which pending revisions ran already, and the two stamps
    that record the truth, whichever it is; ``said_by``: "upgrade" (the refused upgrade
    itself), "status" (which runs nothing, and is the comparison the others advise) or "advice"
    (anything else); ``stamped``: a stamp recorded the version table's revision (the
    bookkeeping says so), ``differing``: and found the database differing from it."""
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
    if stamped:
        # A stamp back keeps these rows (runtime/_repairs.py); the same stamp again drops them.
        # "Left behind", not "moved back": a stamp forward to below rows an earlier stamp back
        # kept records the version table too, and the bookkeeping keeps no direction.
        found = f" found the database differing from what {at} builds, and" if differing else ""
        moved = (
            f"the stamp that recorded {at}{found} left the version table behind"
            f" {'it' if one else 'them'} without running {'its' if one else 'their'} downgrade()"
            " (a stamp keeps the checksum rows of what ran)"
        )
        again = "again "
    else:
        moved = "the version table was moved back without a downgrade or a stamp (by hand?)"
        again = ""
    return (
        f"the version table says the database is at {at}, but {listed}"
        f" {'is' if one else 'are'} recorded as applied here (alembic_revision_checksums keeps"
        f" the row written when {'its' if one else 'their'} upgrade() ran, or a stamp marked"
        f" {'it' if one else 'them'} applied): {moved}, and {outcome}. If the database"
        f" holds what {ran[-1]} builds{compares}, record that with"
        f" {stamp_command([ran[-1]])}; if that work was undone by hand, record {at} {again}with"
        f" {stamp_command(heads or ['base'])}, which drops those checksum rows (bookkeeping, none"
        f" of your data) once the schema is what {at} builds"
    )


def upgrade_refusal(
    connection: Any,
    script: Any,
    current: tuple[str, ...],
    *,
    said_by: str = "advice",
    planned: list[str] | None = None,
    clear: bool | None = None,
) -> str | None:
    """The line an upgrade to head would be refused with here (exit 9), or None when it would
    run; ``said_by``: who says it (already_applied_line); ``planned``: the revisions it runs
    (else every pending one, read from ``script``); ``clear``: a stamp's record found stale
    goes (by default only when the upgrade itself says it: it writes anyway).

    The one reading of a database behind head that an upgrade must not run on: the upgrade's
    own refusal, `db.current --check` (which must not advise the upgrade then), status
    (inspection/_moved_version_table.py) and the start-up guard read it here.
    """
    from sqlalchemy import inspect

    from alembic_steward.runtime._revision_checksums import CHECKSUM_TABLE, table_values
    from alembic_steward.runtime._stamp_differences import (
        STAMP_DIFFERENCES_TABLE,
        stamp_differences_line,
        stamp_recorded,
        stamped_over_differences,
    )

    if planned is None:
        pending = script.iterate_revisions("heads", current or "base")
        planned = [revision.revision for revision in reversed(list(pending))]
    if not planned:
        return None
    listed = ", ".join(planned)
    if said_by == "upgrade":
        opening = f"nothing was run: this upgrade would run {listed}"
    else:
        opening = f"an upgrade would run {listed}"
    # One round trip for both tables' presence: a tenant's upgrade pays it per tenant.
    tables = set(inspect(connection).get_table_names())
    recorded = table_values(connection) if CHECKSUM_TABLE in tables else {}
    ran = recorded_runs(planned, recorded)
    if not ran:
        if STAMP_DIFFERENCES_TABLE not in tables:
            return None
        if clear is None:
            clear = said_by == "upgrade"  # the run writes anyway: a record found stale goes
        return stamp_differences_line(connection, tuple(current), opening, clear=clear)
    stamped = stamp_recorded(connection, current)
    differing = stamped and stamped_over_differences(connection, current)
    return already_applied_line(
        list(current), ran, said_by=said_by, stamped=stamped, differing=differing
    )


def recorded_runs(revisions: Iterable[str], recorded: Container[str]) -> list[str]:
    """Those of ``revisions`` with a checksum row (``recorded``: runtime/_revision_checksums.py
    ``recorded_values``), in their order. The last is the stamp advised, by the upgrade's
    refusal and by status's reading of a database that holds what several revisions build
    alike (inspection/_later_builds.py ``stamped_revision``): both name the same one."""
    return [revision for revision in revisions if revision in recorded]
