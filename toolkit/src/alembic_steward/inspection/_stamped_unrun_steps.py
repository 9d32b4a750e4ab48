"""While a stamp ahead stands, name the data steps it recorded as run that never ran here.

A stamp ahead over a data revision (an UPDATE, a seed INSERT) warns once
(inspection/_stamped_data_steps.py); `inv db.status` then said up to date for ever, the rows
never made. What tells it afterwards is the stamp's own record of the checksum rows it wrote
without running their revisions (runtime/_stamp_differences.py ``rows_the_stamp_wrote``): no
second record is kept. Status and `inv db.check` read it, a query or two when there is none; with
one, those of its revisions whose file may run SQL of its own are built on a scratch database,
their statements watched, as the stamp did. The same build tells whether a stamp back below
them and an upgrade would run only revisions the stamp skipped that send no DDL (the schema
then is what the stamp back records, and nothing runs twice): only then is that way named.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

# A statement that changes the schema, its object named second (StatementWatch's groups).
CHANGES_SCHEMA = re.compile(
    r"^\s*(CREATE|ALTER|DROP|RENAME|COMMENT)\b(?:\s+(?:UNIQUE|OR\s+REPLACE|TEMPORARY))*"
    r"(?:\s+\w+)?(?:\s+IF\s+(?:NOT\s+)?EXISTS)?\s+(?:ON\s+\w+\s+)?([\w.`\"]*)",
    re.IGNORECASE,
)


def stamped_unrun_line(connection: Connection, script: ScriptDirectory) -> str | None:
    """`R was stamped, not run, so its data step never ran here (R runs UPDATE on t): ...`
    for the revisions the stamp that recorded the version table wrote checksum rows for whose
    upgrade() changes rows; None when there are none, or no scratch database shows them."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused
    from alembic_steward.inspection._stamped_data_steps import may_change_rows, scratch_start
    from alembic_steward.runtime._half_applied_marks import stamp_command
    from alembic_steward.runtime._revision_checksums import recorded_values
    from alembic_steward.runtime._stamp_differences import rows_the_stamp_wrote
    from alembic_steward.runtime._state_after_failure import version_heads

    heads = list(version_heads(connection))
    wrote = rows_the_stamp_wrote(connection, heads)
    if wrote:  # those rows still there: a downgrade drops them with its run
        wrote &= set(recorded_values(connection))
    if not wrote:
        return None
    history = [each.revision for each in reversed(list(script.walk_revisions()))]
    stamped = [revision for revision in history if revision in wrote]
    suspects = [revision for revision in stamped if may_change_rows(script, revision)]
    if not suspects:
        return None
    try:
        start = scratch_start(script, heads, heads, suspects)
        rows, schema = watched_steps(connection, start, heads)
    except (ScratchDatabaseRefused, CommandError, RevisionError, SQLAlchemyError):
        return None  # nothing claimed without the build that shows it
    named = [step for step in rows if step.split(" ", 1)[0] in suspects]
    if not named:
        return None
    revisions = list(dict.fromkeys(step.split(" ", 1)[0] for step in named))
    one = len(revisions) == 1
    changing_schema = {step.split(" ", 1)[0] for step in schema}
    way = rerun_way(script, heads, revisions, set(stamped) - changing_schema)
    # A stamp that accepts the database as it is writes no list: its user made the rows.
    made = stamp_command(heads, " --accept-differences")
    return (
        f"{', '.join(revisions)} {'was' if one else 'were'} stamped, not run, so"
        f" {'its data step' if one else 'their data steps'} never ran here ({'; '.join(named)}):"
        f" make those rows by hand if the database needs them, then record them as made with"
        f" {made}{way}"
    )


def rerun_way(
    script: ScriptDirectory, heads: Sequence[str], revisions: list[str], rerunnable: set[str]
) -> str:
    """`; or let the upgrade run it: <stamp back>, then <upgrade>`, when every revision from
    below the oldest of ``revisions`` to ``heads`` is ``rerunnable`` (the stamp wrote its row,
    and it sends no DDL): the stamp back then finds the schema what it records, and the upgrade
    runs only what never ran; else ""."""
    from alembic_steward.runtime._half_applied_marks import parent_of, stamp_command
    from alembic_steward.runtime._revision_checksums import ChecksumRecorder
    from alembic_steward.runtime._up_to_date import upgrade_command

    below = parent_of(revisions[0], script)
    applied = ChecksumRecorder(script)
    runs = applied.with_ancestors(heads) - applied.with_ancestors(
        [revision for revision in below if revision != "base"]
    )
    if len(below) != 1 or not runs <= rerunnable:
        return ""
    it = "it" if len(revisions) == 1 else "them"
    return f"; or let the upgrade run {it}: {stamp_command(below)}, then `{upgrade_command()}`"


def watched_steps(
    connection: Connection, before: Sequence[str], after: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Build a scratch database at ``before``, then upgrade it to ``after``: (`REV runs VERB on
    TABLE` for each statement that writes rows, the same for each that changes the schema)."""
    from alembic_steward.inspection._stamped_data_steps import WRITES_ROWS, watched_statements

    rows, schema = watched_statements(connection, before, after, (WRITES_ROWS, CHANGES_SCHEMA))
    return rows, schema
