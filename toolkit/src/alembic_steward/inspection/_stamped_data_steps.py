"""The revisions a stamp ahead recorded as run whose upgrade() changes rows and never ran here.

`inv db.stamp -r head` over a pending data migration (an UPDATE, a seed INSERT) finds the schema
what head builds, since a data step changes no schema: the stamp warned of nothing, and the data
change was never made. Only a forward stamp over revisions without a checksum row (none ran
here) pays for this, and only when one of their files may run SQL of its own (``MAY_CHANGE_ROWS``:
a revision of `op.add_column` calls alone cannot change a row): they are built on a scratch
database from the revision recorded before the stamp, their statements watched as `inv
db.squash` watches a stretch (inspection/_squash_build.py ``StatementWatch``), an INSERT counted
too, as its rows are missing here as well.

The revisions whose checksum row an earlier stamp wrote (``stamped``: runtime/_stamp_differences.py
``rows_the_stamp_wrote``) never ran either: a stamp back over a stamp ahead, to a data step the
stamp ahead skipped, leaves it applied and unrun exactly as a stamp up to it from what ran does,
so it is named the same way, the scratch database then built from below the oldest of them (the
stamp's ``before`` is above them, and an upgrade from there would run none of them).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

# What a revision file calls to run SQL of its own, or to reach a connection that can.
MAY_CHANGE_ROWS = re.compile(r"\b(execute|exec_driver_sql|bulk_insert|get_bind|Session)\b")
# A statement that writes rows: the squash's data steps, and INSERT; the verb alone is kept.
WRITES_ROWS = re.compile(
    r"^\s*(?:/\*.*?\*/\s*)*"
    r"(INSERT|UPDATE|DELETE|TRUNCATE|MERGE|REPLACE|DO)\b(?:\s+IGNORE\b)?"
    r"(?:\s+(?:INTO|FROM|TABLE)\b)?\s*(?:ONLY\s+)?([\w.`\"]*)",
    re.IGNORECASE | re.DOTALL,
)


def stamped_over_unrun(
    script: ScriptDirectory,
    before: Sequence[str],
    after: Sequence[str],
    recorded: Collection[str],
    stamped: Collection[str] = (),
) -> list[str]:
    """The revisions a stamp from ``before`` to ``after`` leaves applied that never ran here,
    oldest first: those it marked that have no row of a run (``recorded``: the rows before the
    stamp less ``stamped``); a stamp back, which marks none, those it leaves applied whose row
    an earlier stamp wrote (``stamped``). Not a stamp forward: the stamp that wrote those rows
    named them already, or said the schema differs."""
    from alembic_steward.runtime._revision_checksums import ChecksumRecorder

    applied = ChecksumRecorder(script)
    earlier = applied.with_ancestors(before)
    kept = applied.with_ancestors(after)
    marked = kept & set(stamped) if kept < earlier else kept - earlier
    history = [each.revision for each in reversed(list(script.walk_revisions()))]
    return [revision for revision in history if revision in marked and revision not in recorded]


def scratch_start(
    script: ScriptDirectory, before: Sequence[str], after: Sequence[str], skipped: Collection[str]
) -> list[str]:
    """The revisions to build the scratch database at, so that an upgrade to ``after`` runs
    every revision of ``skipped`` (applied, never run): ``before`` when they are above it, else
    what ``before`` and ``after`` apply below the oldest of them (a stamp back starts above
    them)."""
    from alembic_steward.runtime._revision_checksums import ChecksumRecorder

    applied = ChecksumRecorder(script)
    below = applied.with_ancestors(before)
    if not below & set(skipped):
        return list(before)
    below |= applied.with_ancestors(after)
    # Down-closed: a revision goes with every one it was built on.
    start = {each for each in below if not applied.with_ancestors([each]) & set(skipped)}
    parents: set[str] = set()
    for revision in start:
        down = script.get_revision(revision).down_revision
        parents.update([down] if isinstance(down, str) else list(down or ()))
    return sorted(start - parents) or ["base"]


def unrun_data_steps_line(
    connection: Connection,
    script: ScriptDirectory,
    before: Sequence[str],
    after: Sequence[str],
    recorded: Collection[str],
    stamped: Collection[str] = (),
) -> str | None:
    """The `warning:` naming the revisions a stamp from ``before`` to ``after`` recorded as run
    whose upgrade() changes rows and never ran here (no row in ``recorded``, the rows of runs;
    ``stamped``: the rows an earlier stamp wrote), with what each runs; None when there is
    none, or when no scratch database could show it."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused

    try:
        unrun = stamped_over_unrun(script, before, after, recorded, stamped)
        suspects = [revision for revision in unrun if may_change_rows(script, revision)]
        # Built only when a file may run SQL of its own: a stamp over schema calls costs nothing.
        start = scratch_start(script, before, after, suspects)
        steps = watched_steps(connection, start, after) if suspects else []
    except (ScratchDatabaseRefused, CommandError, RevisionError, SQLAlchemyError):
        return None  # a revision this checkout lacks, or no scratch database: nothing claimed
    named = [step for step in steps if step.split(" ", 1)[0] in suspects]
    if not named:
        return None
    revisions = list(dict.fromkeys(step.split(" ", 1)[0] for step in named))
    one = len(revisions) == 1
    listed = ", ".join(revisions)
    return (
        f"warning: {listed} {'was' if one else 'were'} recorded without running, and"
        f" {'its' if one else 'their'} upgrade() changes rows ({'; '.join(named)}), which"
        f" {'it' if one else 'they'} never did here (no row of alembic_revision_checksums says"
        f" {'it' if one else 'they'} ran; the rows were not read): unless they were made"
        " another way (by hand, or a copy of data that had them), make them by hand if the"
        " database needs them"
    )


def may_change_rows(script: ScriptDirectory, revision: str) -> bool:
    """Whether ``revision``'s file calls anything that can run SQL of its own."""
    try:
        text = Path(script.get_revision(revision).path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return True  # unread: the scratch build tells
    return MAY_CHANGE_ROWS.search(text) is not None


def watched_steps(connection: Connection, before: Sequence[str], after: Sequence[str]) -> list[str]:
    """Build a scratch database at ``before``, then upgrade it to ``after`` watching what each
    revision sends: `REV runs VERB on TABLE` for each statement that writes rows."""
    (rows,) = watched_statements(connection, before, after, (WRITES_ROWS,))
    return rows


def watched_statements(
    connection: Connection,
    before: Sequence[str],
    after: Sequence[str],
    patterns: Sequence[re.Pattern[str]],
) -> list[list[str]]:
    """Build a scratch database at ``before``, then upgrade it to ``after``: for each of
    ``patterns`` (a statement's verb and object, as StatementWatch reads them), `REV runs VERB
    on TABLE` for each statement it matches, in the order sent."""
    from sqlalchemy import event

    from alembic_steward._wiring import active_steward
    from alembic_steward.inspection._catalog_drift import ignored_tables
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._scratch_database import revision_built, upgrade_scratch
    from alembic_steward.inspection._squash_build import StatementWatch

    built = [revision for revision in before if revision != "base"]
    version_table = active_steward().context_options.get("version_table", "alembic_version")
    watches = [StatementWatch(ignored_tables(), version_table, pattern) for pattern in patterns]
    with revision_built(blocking_url(connection), built, label="stamp") as scratch:
        for watch in watches:
            event.listen(scratch, "before_cursor_execute", watch)
        try:
            for head in after:
                upgrade_scratch(scratch, head)
        finally:
            for watch in watches:
                event.remove(scratch, "before_cursor_execute", watch)
    return [watch.steps for watch in watches]
