"""Refuse `inv db.plan` where `inv db.upgrade` to the same target would refuse, in its words.

The plan printed "Nothing to run" and exited 0 after a stamp ahead, where the upgrade and
`db.check` exit 9: a script or a reviewer trusting the plan was told the opposite of what the
run would do. The plan now reads what the upgrade reads before its first step
(runtime/_already_applied.py): with nothing to run, a stamp's kept differences, then a version
table ahead of what ran; with revisions to run, the checksum rows of those that ran already and
a stamp's differences. Same line, same exit code (9); it reads, never clears a record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.inspection._migration_plan import MigrationPlan


def refuse_as_the_upgrade(
    connection: Connection, script: ScriptDirectory, current: list[str], planned: MigrationPlan
) -> None:
    """Raise the refusal the upgrade would stop with before running ``planned`` from
    ``current`` (a StampedAhead, exit 9); a downgrade's plan is not read here."""
    from alembic_steward.runtime._already_applied import AlreadyApplied, upgrade_refusal
    from alembic_steward.runtime._stamp_differences import StampedAhead, stamp_differences_line
    from alembic_steward.runtime._unran_heads import AheadOfRuns, unran_heads, unran_heads_line

    heads = tuple(current)
    if planned.direction == "none":
        line = stamp_differences_line(connection, heads)
        if line is not None:
            raise StampedAhead(line)
        unran = unran_heads(connection, script, heads)
        if unran:
            raise AheadOfRuns(unran_heads_line(heads, unran))
        return
    if planned.direction != "upgrade":
        return
    target = planned.revision_range.rpartition(":")[2]
    pending = script.iterate_revisions(target, heads or "base")
    revisions = [revision.revision for revision in reversed(list(pending))]
    refused = upgrade_refusal(
        connection, script, heads, said_by="upgrade", planned=revisions, clear=False
    )
    if refused is not None:
        raise AlreadyApplied(refused)
