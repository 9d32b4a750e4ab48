"""Compare the schema with what a stamp's target builds, before the stamp records it.

A stamp runs nothing and used to check nothing, so a mistyped or off-by-one target went
unnoticed until the next upgrade ran a revision a second time or failed on its work. The
comparison is status's (inspection/_revision_comparison.py): a scratch build, a cost a repair
can pay. Its result also decides the checksum rows of the revisions the stamp unmarks: dropped
only when the database is what the target builds (or the user accepts the differences), since
a kept row is what stops an upgrade from running their upgrade() again (_already_applied.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection


def stamp_mismatch(script: ScriptDirectory, revision: str, connection: Connection) -> str | None:
    """The warning for a database that is not what ``revision`` builds, or None when it is."""
    from alembic_steward.inspection._later_builds import stamped_wrongly
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build
    from alembic_steward.runtime._half_applied_marks import describe_heads

    built = [rev.revision for rev in script.get_revisions(revision) if rev is not None]
    target = describe_heads(built)
    differences, built_by = leftovers_and_matching_build(connection, built or ["base"])
    if differences == []:
        return None
    kept = (
        "the checksums of the revisions it unmarks were kept, so an upgrade will not run them again"
    )
    if differences is None:
        return (
            f"warning: the database could not be compared with what {target} builds (no"
            f" scratch database could be built); {kept}"
        )
    found = ", ".join(difference.brief() for difference in differences)
    why = f"; {stamped_wrongly(built_by)}" if built_by else ""
    return f"warning: the database differs from what {target} builds by: {found}{why}; {kept}"
