"""Revisions the checksum rows record as run here that this checkout's history lacks.

A revision from another branch that ran here, then stamped away from (`inv db.stamp --purge`),
leaves its work in the database and its row in alembic_revision_checksums (a stamp keeps the
rows of what it unmarks: no downgrade() ran). What it built is then no hand change, and the
advice names the revision instead of saying "added by hand".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


def runs_outside_history(connection: Connection) -> tuple[str, ...]:
    """The revisions with a checksum row here that no file of this checkout's history has."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_checksums import recorded_values

    recorded = recorded_values(connection)
    if not recorded:
        return ()
    script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    known = {revision.revision for revision in script.walk_revisions()}
    return tuple(sorted(revision for revision in recorded if revision not in known))


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
