"""The checksum rows a stamp back need not keep: of schema work undone by hand, with no data step.

A stamp back keeps the rows of the revisions it unmarks (runtime/_repairs.py), so the upgrade
after it refuses to run again work that ran here: a data step leaves no trace a comparison
could find, and doubles when it runs twice. After `CREATE EXTENSION` (or a table) a revision
made and a hand undid, `inv db.status` finds the database exactly what the parent builds and
advises that stamp, then the upgrade; the kept row made the upgrade refuse until the same stamp
ran a second time. Where the stamp finds the schema exactly what its target builds, and not what
the version table's revisions build (their work is gone), and none of the unmarked revisions
writes rows (watched on a scratch build, as a stamp ahead's data steps are,
inspection/_stamped_data_steps.py), the upgrade runs their DDL from the very schema it starts
from and can double nothing: their rows go, and status's advice works when followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection


@dataclass(frozen=True)
class UndoneSchemaWork:
    """The rows the stamp drops (``dropped``), or, when some of the unmarked revisions write
    rows, those it keeps (``kept``) and what they write (``data_steps``: `REV runs VERB on T`)."""

    dropped: set[str] = field(default_factory=set)
    kept: list[str] = field(default_factory=list)
    data_steps: list[str] = field(default_factory=list)

    def left(self, recorded: Collection[str]) -> UndoneSchemaWork:
        """Those of ``kept`` whose row is still there once the stamp ran (``recorded``): the
        note says what the stamp did, not what it meant to (a row no run wrote goes anyway)."""
        kept = [revision for revision in self.kept if revision in recorded]
        steps = [step for step in self.data_steps if step.split(" ", 1)[0] in kept]
        return UndoneSchemaWork(self.dropped, kept, steps)

    def note(self, target: str) -> str | None:
        """The stamp's `note:` when it kept rows over schema work undone; None otherwise."""
        if not self.kept:
            return None
        from alembic_steward.runtime._half_applied_marks import stamp_command

        one = len(self.kept) == 1
        listed = ", ".join(self.kept)
        return (
            f"note: the database holds what {target} builds, not the schema work of {listed}"
            f" (undone), but {'its' if one else 'their'} upgrade() changes rows"
            f" ({'; '.join(self.data_steps)}), so {'its' if one else 'their'} checksum"
            f" {'row was' if one else 'rows were'} kept and an upgrade refuses to run"
            f" {'it' if one else 'them'} again: once those row changes are undone too, run"
            f" {stamp_command([target])} again, which drops those checksum rows (bookkeeping, none"
            " of your data); to keep them, redo the"
            f" schema work by hand and record it with {stamp_command([self.kept[-1]])}"
        )


def rows_of_undone_schema_work(
    connection: Connection,
    script: ScriptDirectory,
    before: Sequence[str],
    target: str,
    recorded: Collection[str],
) -> UndoneSchemaWork:
    """The revisions with a row (``recorded``) that a stamp from ``before`` (the version table's
    revisions) to ``target`` unmarks, when their work is undone and none writes rows; the
    caller found the schema exactly what ``target`` builds; when some write rows, all stay and
    the stamp says why. Nothing dropped when anything is unsure."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused
    from alembic_steward.inspection._stamped_data_steps import may_change_rows, watched_steps
    from alembic_steward.runtime._revision_checksums import ChecksumRecorder

    try:
        built = [each.revision for each in script.get_revisions(target) if each is not None]
        applied = ChecksumRecorder(script)
        unmarked = (applied.with_ancestors(before) - applied.with_ancestors(built)) & set(recorded)
        if not unmarked:
            return UndoneSchemaWork()
        # Their work still here (no difference), or no comparison: the rows stay.
        differences, _ = leftovers_and_matching_build(connection, list(before), later=False)
        if not differences:
            return UndoneSchemaWork()
        # A scratch build only when a file may run SQL of its own (`op.execute`).
        if any(may_change_rows(script, revision) for revision in unmarked):
            steps = watched_steps(connection, built or ["base"], list(before))
            named = [step for step in steps if step.split(" ", 1)[0] in unmarked]
            if named:
                history = [each.revision for each in reversed(list(script.walk_revisions()))]
                kept = [revision for revision in history if revision in unmarked]
                return UndoneSchemaWork(kept=kept, data_steps=named)
    except (ScratchDatabaseRefused, CommandError, RevisionError, SQLAlchemyError):
        return UndoneSchemaWork()
    return UndoneSchemaWork(dropped=unmarked)
