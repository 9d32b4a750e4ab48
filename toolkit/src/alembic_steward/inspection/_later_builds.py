"""Whether a database that differs from its recorded revision holds exactly what a later one builds.

`inv db.stamp -r PARENT` on a database at head records a revision that no longer describes it:
the next upgrade runs into what is already there and fails (DuplicateColumn). Advice to undo
the "leftovers" by hand, or to upgrade, is then wrong; recording the revision whose build the
database is (`inv db.stamp -r X`) is the fix. Only a database found differing pays for this:
the scratch database already built at its recorded revision is migrated on, one revision at a
time, and described after each, so the search costs one scratch build.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Catalog


def revisions_after(revisions: Sequence[str]) -> list[str]:
    """The revisions between ``revisions`` (a database's recorded heads) and the single head,
    oldest first; [] when the history has several heads or cannot be read."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._phased_upgrade import pending_revisions

    current = tuple(revision for revision in revisions if revision != "base")
    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        return [revision.revision for revision in pending_revisions(script, current)]
    except Exception:  # noqa: BLE001 - no history to walk: nothing is claimed
        return []


def later_builds(
    scratch: Connection,
    live: Catalog,
    schemas: list[str],
    recorded: Sequence[str],
    later: Sequence[str],
) -> list[str]:
    """Migrate ``scratch`` (at ``recorded``, the live database's revisions) through ``later``,
    oldest first, and return the first revision whose build describes the same as ``live``, followed
    by the revisions right after it whose build is the same (data-only ones); [] when none is.

    A revision that fails on the scratch database ends the search: nothing after it can be
    built. On a branched history only points where the scratch database holds exactly one
    revision and its ancestors are compared (inspection/_schema_build.py ``whole_prefixes``).
    """
    from alembic.script import ScriptDirectory

    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.inspection._scratch_database import alembic_config_on, upgrade_scratch

    script = ScriptDirectory.from_config(alembic_config_on(scratch))
    built = [revision for revision in recorded if revision != "base"]
    applied = {each.revision for each in script.iterate_revisions(built, "base")}
    found: list[str] = []
    for revision in later:
        try:
            upgrade_scratch(scratch, revision)
        except Exception:  # noqa: BLE001 - whatever the revision's own code raises
            break
        applied.add(revision)
        ancestors = {each.revision for each in script.iterate_revisions(revision, "base")}
        if ancestors != applied:
            continue
        same = not compare_catalogs(live_catalog(scratch, schemas), live)
        if same:
            found.append(revision)
        elif found:
            break
    return found


def stamped_wrongly(built_by: Sequence[str]) -> str:
    """The words for a database that holds exactly what ``built_by[0]`` builds (and what the
    data-only revisions after it build): it was stamped at the wrong revision; stamp that."""
    from alembic_steward.runtime._half_applied_marks import stamp_command

    revision, *same = built_by
    line = (
        f"the database holds exactly what revision {revision} builds: it was probably stamped"
        f" wrongly (or {revision}'s changes were made outside a migration run); record that with"
        f" {stamp_command([revision])}"
    )
    if same:
        line += (
            f" (or with the last of {', '.join(same)} that ran: they build the same schema,"
            " changing only data)"
        )
    return line
