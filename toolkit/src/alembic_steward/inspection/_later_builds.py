"""Whether a database that differs from its recorded revision holds exactly what another builds.

`inv db.stamp -r PARENT` on a database at head records a revision that no longer describes it:
the next upgrade runs into what is already there and fails (DuplicateColumn). `inv db.stamp -r
head` (or raw `alembic stamp head`) on a database still at an older revision X is the mirror:
the next upgrade runs into what is not there ("does not exist"). Advice to undo "leftovers" by
hand, or to upgrade, is then wrong; recording the revision whose build the database is (`inv
db.stamp -r X`, then `inv db.upgrade`) is the fix. Only a database found differing pays for
this. Later revisions: the scratch database already built at its recorded revision is migrated
on, one revision at a time, and described after each. Earlier ones: a second scratch database
is migrated from base through the recorded revision's ancestors the same way. Either costs one
scratch build, and each stops at the first revision that fails there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection

    from alembic_steward.catalog import Catalog, Difference


@dataclass(frozen=True)
class MatchingBuild:
    """The revisions whose build a database differing from its recorded one exactly is, oldest
    first: every one compared whose build is the same, not only one stretch of data-only ones (a
    column added and dropped again between two of them leaves their builds alike)."""

    revisions: tuple[str, ...]
    # An ancestor of the recorded revision: the database was stamped ahead of what ran, so
    # after the stamp the upgrade is still to run.
    earlier: bool = False
    # Those of ``revisions`` the checksum rows record as run here (inspection/_recorded_runs.py):
    # the last is the one to stamp, as stamping an earlier one would run the data-only ones
    # after it a second time. Empty when no row says (a history run by raw alembic).
    ran: tuple[str, ...] = ()
    # A later revision whose downgrade() ran here, by the bookkeeping (downgraded_here).
    downgraded: bool = False


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
    *,
    stopped: list[tuple[str, Exception]] | None = None,
) -> MatchingBuild | None:
    """Migrate ``scratch`` (at ``recorded``, the live database's revisions) through ``later``,
    oldest first, and return every revision whose build describes the same as ``live``; None when
    none is. The walk goes on past a revision whose build differs: a later one may build the same
    again (a column added, then dropped), and the stamp advised is the last that ran of them all
    (inspection/_recorded_runs.py), which stamping an earlier one would leave pending. The
    revision that failed there, if one did, is appended to ``stopped`` with its error."""
    walk = builds_compared(scratch, live, schemas, recorded, later, stopped=stopped)
    found = [revision for revision, same in walk if same]
    return MatchingBuild(tuple(found)) if found else None


# How many of the recorded revision's nearest ancestors the earlier search compares: a stamp
# ahead skips the last few revisions that did not run, and describing the database after each
# of hundreds would make every hand-made change cost seconds to report.
EARLIER_SEARCH_DEPTH = 25


def earlier_builds(
    server: URL,
    live: Catalog,
    schemas: list[str],
    recorded: Sequence[str],
    differences: Sequence[Difference],
    *,
    stamped: bool = False,
) -> MatchingBuild | None:
    """Migrate a new scratch database beside ``server`` (a blocking URL) from base through the
    ancestors of ``recorded`` (the live database's revisions), and return those whose build
    describes the same as ``live`` (as :func:`later_builds`); None when none is, or when no
    scratch database can be made (the differences found stand without it). Base (an empty
    database) is not one: stamping it is no repair anyone needs named.

    Searched when the database lacks something its recorded revision builds (one of
    ``differences``, the live database against that build, is missing): a database stamped
    ahead lacks what the revisions that did not run made. Searched too when it has things
    that build lacks and either a stamp recorded its revision over differences (``stamped``:
    runtime/_stamp_differences.py) or one of those things is named in the text of a searched
    revision or a recorded one: a stamp ahead over a revision that drops them (a table, an
    enum type) leaves them. A hand-made addition alone (an extra index no revision names) is
    no stamp mistake, and costs no second scratch build. Only the EARLIER_SEARCH_DEPTH nearest
    ancestors are compared; the scratch database is built to the one before them in one upgrade.
    """
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused

    try:
        if not worth_searching(differences, recorded, stamped=stamped):
            return None
        return nearest_earlier_build(server, live, schemas, recorded)
    except (ScratchDatabaseRefused, CommandError, RevisionError, SQLAlchemyError):
        return None


def earlier_build_here(
    connection: Connection,
    live: Catalog,
    schemas: list[str],
    recorded: Sequence[str],
    differences: Sequence[Difference],
) -> MatchingBuild | None:
    """:func:`earlier_builds` for the database on ``connection``, found differing from what its
    ``recorded`` revisions build, with the runs its checksum rows record: status's search at
    head, and `inv db.revision`'s, whose refusal gives status's advice."""
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._recorded_runs import with_recorded_runs
    from alembic_steward.runtime._stamp_differences import stamped_over_differences

    stamped = stamped_over_differences(connection, list(recorded))
    server = blocking_url(connection)
    built_by = earlier_builds(server, live, schemas, recorded, differences, stamped=stamped)
    return with_recorded_runs(built_by, connection)


def worth_searching(
    differences: Sequence[Difference], recorded: Sequence[str], *, stamped: bool
) -> bool:
    """Whether ``differences`` may be a stamp ahead's (see :func:`earlier_builds`)."""
    if any(difference.change == "missing" for difference in differences):
        return True
    extras = [difference for difference in differences if difference.change != "missing"]
    if not extras:
        return False
    if stamped:
        return True
    texts = [text for text in searched_texts(recorded) if text]
    names = {difference.subject.rsplit(".", 1)[-1] for difference in extras}
    return any(
        f"{quote}{name}{quote}" in text for text in texts for name in names for quote in "'\""
    )


def searched_texts(recorded: Sequence[str]) -> Iterator[str]:
    """The text of the files of ``recorded`` and of their EARLIER_SEARCH_DEPTH nearest
    ancestors, the revisions a stamp ahead may have skipped; "" for one that cannot be read."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    built = [revision for revision in recorded if revision != "base"]
    if not built:
        return
    script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    walked = list(script.iterate_revisions(built, "base"))
    for each in walked[: EARLIER_SEARCH_DEPTH + len(built)]:
        try:
            yield Path(each.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            yield ""


def nearest_earlier_build(
    server: URL, live: Catalog, schemas: list[str], recorded: Sequence[str]
) -> MatchingBuild | None:
    """`earlier_builds`, raising as inspection/_scratch_database.py ``revision_built`` does."""
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._scratch_database import revision_built
    from alembic_steward.runtime._config import build_alembic_config

    built = [revision for revision in recorded if revision != "base"]
    script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    # Newest first from Alembic: reversed, each revision comes after all it depends on.
    walked = [each.revision for each in script.iterate_revisions(built, "base")] if built else []
    ancestors = [revision for revision in reversed(walked) if revision not in built]
    if not ancestors:  # the first revision: nothing before it to build
        return None
    # Built in one upgrade up to the searched ones; each of those is then built and described.
    start = ancestors[:-EARLIER_SEARCH_DEPTH][-1:]
    with revision_built(server, start) as scratch:
        searched = ancestors[-EARLIER_SEARCH_DEPTH:]
        compared = builds_compared(scratch, live, schemas, start, searched)
        alike = [revision for revision, same in compared if same]
    return MatchingBuild(tuple(alike), earlier=True) if alike else None


def builds_compared(
    scratch: Connection,
    live: Catalog,
    schemas: list[str],
    recorded: Sequence[str],
    steps: Sequence[str],
    *,
    stopped: list[tuple[str, Exception]] | None = None,
) -> Iterator[tuple[str, bool]]:
    """Migrate ``scratch`` (at ``recorded``) through ``steps`` one revision at a time, yielding
    each revision and whether its build describes the same as ``live``.

    A revision that fails on the scratch database ends the walk: nothing after it can be
    built; it is appended to ``stopped`` (when given) with its error, as the scratch database
    is then not at the last of ``steps``. On a branched history only points where the scratch
    database holds exactly one revision and its ancestors are compared
    (inspection/_schema_build.py ``whole_prefixes``).
    """
    from alembic.script import ScriptDirectory

    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.inspection._scratch_database import alembic_config_on, upgrade_scratch

    script = ScriptDirectory.from_config(alembic_config_on(scratch))
    built = [revision for revision in recorded if revision != "base"]
    applied = {each.revision for each in script.iterate_revisions(built, "base")}
    for revision in steps:
        try:
            upgrade_scratch(scratch, revision)
        except Exception as error:  # noqa: BLE001 - whatever the revision's own code raises
            if stopped is not None:
                stopped.append((revision, error))
            return
        applied.add(revision)
        ancestors = {each.revision for each in script.iterate_revisions(revision, "base")}
        if ancestors == applied:
            yield revision, not compare_catalogs(live_catalog(scratch, schemas), live)


def stamped_wrongly(build: MatchingBuild) -> str:
    """The words for a database that holds exactly what ``build.revisions`` build: it was
    stamped at the wrong revision; stamp the last of them that ran (:func:`stamped_revision`)
    and, when that is an earlier one than the recorded, upgrade after."""
    from alembic_steward.inspection._recorded_runs import runs_untold, stamped_revision
    from alembic_steward.runtime._advice import advised, bound_tenant_options
    from alembic_steward.runtime._half_applied_marks import stamp_command

    revision = stamped_revision(build)
    then = ""
    if build.earlier:
        tenants = bound_tenant_options("--tenants")
        then = f", then run {advised(f'db.upgrade{tenants}', f'upgrade{tenants}')}"
    if revision is None:
        return runs_untold(build, then)
    if build.earlier:
        line = (
            f"the database holds exactly what revision {revision} builds, an earlier revision than"
            " the one recorded: it was probably stamped ahead of what ran (a stamp at head on an"
            " older database, or a repair that undid later revisions' changes); record that with"
            f" {stamp_command([revision])}{then}"
        )
    elif build.downgraded:
        # No row for it: its downgrade() dropped it, or it never ran at all (a pending revision
        # whose changes were made by hand); the bookkeeping cannot tell which, so both are said.
        line = (
            f"the database holds exactly what revision {revision} builds, though {revision} is"
            " not recorded as run here (alembic_revision_checksums has no row for it, which a"
            f" stamp would have kept): its changes were made outside a migration run, by hand or"
            f" left by a downgrade() of {revision} that did not undo them; if the database should"
            f" hold them, record that with {stamp_command([revision])}, else undo them by hand"
            " (and fix that downgrade() if it left them)"
        )
    else:
        line = (
            f"the database holds exactly what revision {revision} builds: it was probably stamped"
            f" wrongly (or {revision}'s changes were made outside a migration run); record that"
            f" with {stamp_command([revision])}"
        )
    if len(build.revisions) > 1:
        # Not "a stretch of data-only revisions": others may lie between them, changing the
        # schema and back, so only what was compared is claimed.
        line += (
            f" ({revision} is the last of {', '.join(build.revisions)}, each of which builds"
            " this same schema, that alembic_revision_checksums records as run here: stamping an"
            " earlier one would leave the migrations after it that ran here pending)"
        )
    return line


def without_failed_run(build: MatchingBuild | None, failed: str | None) -> MatchingBuild | None:
    """``build`` short of ``failed``, the revision whose last run here failed, and of those after
    it; None when it started there. That run may have committed its schema changes and failed
    before its data steps: the schema matches its build, but stamping it would mark unrun work
    as done, so the failure's own advice (undo what remains, migrate again) stands."""
    if build is None or failed not in build.revisions:
        return build
    kept = build.revisions[: build.revisions.index(failed)]
    ran = tuple(revision for revision in build.ran if revision in kept)
    return MatchingBuild(kept, build.earlier, ran, build.downgraded) if kept else None


def downgraded_here(connection: Connection, recorded: list[str], build: MatchingBuild) -> bool:
    """Whether the bookkeeping says a downgrade() took the database from ``build``'s revision,
    a later one, back to ``recorded``: the recorded revisions have checksum rows and it has
    none. A stamp back keeps that row (runtime/_repairs.py), a downgrade() drops it; the rows
    a stamp wrote for the recorded revisions say no run brought the database there."""
    from alembic_steward.runtime._stamp_differences import rows_of_runs

    began = not connection.in_transaction()
    try:
        rows = rows_of_runs(connection)
    finally:
        if began and connection.in_transaction():
            connection.commit()  # a read: the caller's connection is left as it was handed in
    return bool(recorded) and set(recorded) <= rows and build.revisions[0] not in rows
