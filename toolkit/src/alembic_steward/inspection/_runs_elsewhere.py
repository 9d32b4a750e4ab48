"""Revisions the checksum rows record as run here that this checkout's history lacks.

A revision from another branch that ran here, then stamped away from (`inv db.stamp --purge`),
leaves its work in the database and its row in alembic_revision_checksums (a stamp keeps the
rows of what it unmarks: no downgrade() ran). What it built is then no hand change, and the
advice names the revision instead of saying "added by hand". Not so a row a stamp wrote (no
run left anything), nor one of a revision a squash in this history replaced (its work is the
squash's, which the history has).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection


def runs_outside_history(
    connection: Connection, script: ScriptDirectory | None = None
) -> tuple[str, ...]:
    """The revisions whose checksum row a run here wrote that no file of this checkout's
    history has, nor a squash of it replaced. ``script``: the caller's history, if it holds
    one (reading it again runs every revision file)."""
    from alembic_steward.inspection._database_state import squashed_into
    from alembic_steward.runtime._stamp_differences import rows_of_runs

    # A stamp's rows say applied, not ran (inspection/_recorded_runs.py): no run left anything.
    ran = rows_of_runs(connection)
    if not ran:
        return ()
    if script is None:
        from alembic.script import ScriptDirectory

        from alembic_steward.runtime._config import build_alembic_config

        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(ran - known)
    # A squashed revision's work is the squash's, which the history has.
    squashed = squashed_into(unknown) if unknown else {}
    return tuple(revision for revision in unknown if revision not in squashed)


def runs_outside_history_cause(revisions: tuple[str, ...]) -> str:
    """Why the objects the database has in addition are there, when ``revisions`` ran here."""
    named = ", ".join(revisions)
    noun = "revision" if len(revisions) == 1 else "revisions"
    return (
        f"alembic_revision_checksums records {noun} {named} as run here, which this"
        f" checkout's history lacks (from another branch, stamped away from with"
        f" `inv db.stamp --purge`?), so the run of {named} most likely left them, not a hand"
        " change"
    )
