"""The live database against what its recorded revision builds, on one scratch database.

After a failed run (runtime/_state_after_failure.py), before a mark is cleared
(runtime/_repair_targets.py) and behind head in `inv db.status` (inspection/_drift_sides.py
``pending_sides``): what differs, and then, on the same scratch database, either the later
revision whose build the database exactly is (or, on a second one, the earlier:
inspection/_later_builds.py) or whether a pending revision fails there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Catalog, Difference
    from alembic_steward.inspection._broken_routines import Broken
    from alembic_steward.inspection._hand_made_dependents import Dependent
    from alembic_steward.inspection._later_builds import MatchingBuild
    from alembic_steward.inspection._pending_trial import PendingTrial
    from alembic_steward.inspection._sqlite_schema_copy import SqliteTrial


def leftovers_and_matching_build(
    connection: Connection, revisions: list[str], *, later: bool = True, earlier: bool = True
) -> tuple[list[Difference] | None, MatchingBuild | None]:
    """(how the live database differs from what ``revisions``, its recorded heads, build, as
    catalog Differences (built side expected), or None when no comparison could be made; when
    it differs, the revision whose build it exactly is (inspection/_later_builds.py), looked
    for among the ``later`` revisions, then the ``earlier`` ones, else None)."""
    from alembic_steward.inspection._later_builds import revisions_after

    after = revisions_after(revisions) if later else []
    compared = compare_with_revision(connection, revisions, after, earlier=earlier)
    return compared.found, compared.built_by


@dataclass(frozen=True)
class RevisionComparison:
    """The live database against what its recorded revision builds, on one scratch database."""

    # How it differs (built side expected); None when no comparison could be made.
    found: list[Difference] | None
    # How the first pending revision that fails there fails, or None: with differences, the
    # one the later-build walk stopped on (then no "the upgrade runs past them" is claimed).
    pending_failure: str | None = None
    # Whether that failure is one of the rows (a constraint, a value), which differ between the
    # scratch database and the live one: the live upgrade may then pass.
    pending_failure_on_rows: bool = False
    # With differences: the revision whose build it exactly is (inspection/_later_builds.py).
    built_by: MatchingBuild | None = None
    # With differences and none of ``later`` built them: whether ``later`` changes none of
    # the tables (and other objects) they are on, so an upgrade runs past them.
    later_leave_them: bool = False
    # With differences and none of ``later`` built them: the hand-made objects that read what
    # ``later`` change or drop (inspection/_hand_made_dependents.py), one line each.
    dependents: tuple[Dependent, ...] = ()
    # With differences: the statements that undo some of them (inspection/_restoring_statements.py).
    restoring: tuple[str, ...] = ()
    # With differences the database lacks: whether ``later`` run on a scratch database made to
    # lack them too and end at what they build (inspection/_pending_runs_through.py).
    runs_through: bool = False
    # On PostgreSQL and MariaDB, what ``later`` did on a scratch database made what the live
    # one is (inspection/_pending_trial.py); None where not run.
    trial: PendingTrial | None = None
    # With differences: the objects the database lacks that the build makes broken, when they
    # are every difference (inspection/_broken_builds.py).
    built_broken: tuple[Broken, ...] = ()
    # SQLite, every difference a hand-made index, view or trigger: what ``later`` did on a copy
    # of the live schema (inspection/_sqlite_schema_copy.py).
    sqlite_trial: SqliteTrial | None = None


def compare_with_revision(
    connection: Connection,
    revisions: list[str],
    later: list[str],
    *,
    try_pending: bool = False,
    earlier: bool = False,
) -> RevisionComparison:
    """Compare the live database with what ``revisions`` build; then, on the same scratch
    database, either (differences found) look through ``later`` (oldest first) for the
    revision whose build it exactly is, and, with ``earlier`` and none found, through the
    ancestors of ``revisions`` on a second one; or (none, with ``try_pending``) upgrade one
    revision at a time through ``later`` to see whether one fails (differences found, with
    ``try_pending``: whether ``later`` run through them, inspection/_pending_runs_through.py).
    A kept description of what
    ``revisions`` build (inspection/_kept_builds.py) stands in for the first scratch database
    where nothing is to be run on it."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.catalog import Catalog, compare_catalogs
    from alembic_steward.inspection._broken_builds import lacking_only_broken
    from alembic_steward.inspection._catalog_drift import live_catalog
    from alembic_steward.inspection._drift_sides import blocking_url, described_schemas
    from alembic_steward.inspection._hand_made_dependents import hand_made_dependents
    from alembic_steward.inspection._kept_builds import keep_build, kept_build
    from alembic_steward.inspection._later_builds import (
        downgraded_here,
        earlier_builds,
        later_builds,
    )
    from alembic_steward.inspection._pending_runs_through import pending_run_through
    from alembic_steward.inspection._pending_trial import pending_trial
    from alembic_steward.inspection._recorded_runs import with_recorded_runs
    from alembic_steward.inspection._restoring_statements import restoring_statements
    from alembic_steward.inspection._revision_column_drops import renamed_by
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused, revision_built
    from alembic_steward.inspection._sqlite_schema_copy import (
        copy_trial,
        only_hand_objects,
        sqlite_trial,
    )
    from alembic_steward.runtime._stamp_differences import stamped_over_differences

    schemas = described_schemas(connection)
    built_at = [revision for revision in revisions if revision != "base"]
    built_by = None
    try:
        live = live_catalog(connection, schemas)
        stamped = earlier and stamped_over_differences(connection, built_at)
        if not built_at:  # at base the migrations build nothing, and nothing is before it
            found = compare_catalogs(Catalog(live.dialect, {}), live)
            if not later or not (found or try_pending):
                return RevisionComparison(found)
        kept = kept_build(connection, built_at, schemas) if built_at else None
        if kept is not None:  # the build's description is kept: no scratch database for it
            found = compare_catalogs(kept, live)
            if not found and not try_pending:
                return RevisionComparison(found)
            if found and not later:
                url = blocking_url(connection)
                built_by = (
                    earlier_builds(url, live, schemas, built_at, found, stamped=stamped)
                    if earlier
                    else None
                )
                built_by = with_recorded_runs(built_by, connection)
                return RevisionComparison(found, built_by=built_by)
        with revision_built(blocking_url(connection), built_at) as scratch:
            built = live_catalog(scratch, schemas)
            keep_build(connection, built_at, schemas, built)
            found = compare_catalogs(built, live)
            later_leave_them, dependents = False, ()
            failure, on_rows = None, False
            head = None
            if found:
                stopped: list[tuple[str, Exception]] = []
                built_by = later_builds(scratch, live, schemas, built_at, later, stopped=stopped)
                if built_by is not None and downgraded_here(connection, built_at, built_by):
                    built_by = replace(built_by, downgraded=True)
                if stopped:  # a pending revision failed: the scratch database is not at head
                    failure, on_rows = stopped_line(stopped[0], scratch)
                elif later:  # the scratch database is at the last of them
                    head = live_catalog(scratch, schemas)
                if head is not None and built_by is None:
                    dependents = hand_made_dependents(built, live, head, renamed_by(later))
                    later_leave_them = (
                        owners_changed(built, live).isdisjoint(owners_changed(built, head))
                        and not touched_by(found, later)
                        and not dependents
                    )
            if try_pending and not found:
                failure, on_rows = first_failing(scratch, later)
        if found:
            # The second scratch database only once the first is gone: one at a time.
            tries = try_pending and head is not None and not later_leave_them and not dependents
            trial = None
            if tries and head is not None and live.dialect in ("postgresql", "mysql"):
                url = blocking_url(connection)
                trial = pending_trial(url, built_at, later, built, live, head, schemas)
            elif tries and head is not None and not only_hand_objects(found):
                # SQLite: an exact copy of the schema holds every difference (a hand-made
                # column too); hand-made objects alone are tried object by object below.
                trial = copy_trial(connection, built_at, later, head, schemas)
            runs_through = (
                trial.runs_through
                if trial is not None
                else tries
                and head is not None
                and pending_run_through(
                    blocking_url(connection), built_at, later, found, built, live, head, schemas
                )
            )
            if built_by is None and earlier:
                url = blocking_url(connection)
                built_by = earlier_builds(url, live, schemas, built_at, found, stamped=stamped)
            tried = try_pending and built_by is None and failure is None
            return RevisionComparison(
                found,
                built_by=with_recorded_runs(built_by, connection),
                later_leave_them=later_leave_them and built_by is None,
                dependents=dependents if built_by is None else (),
                restoring=tuple(restoring_statements(found, built)),
                pending_failure=failure if built_by is None else None,
                pending_failure_on_rows=on_rows,
                runs_through=runs_through,
                trial=trial,
                built_broken=lacking_only_broken(found, built) if try_pending else (),
                sqlite_trial=sqlite_trial(connection, built_at, later, found) if tried else None,
            )
    except (ScratchDatabaseRefused, CommandError, SQLAlchemyError):
        return RevisionComparison(None)
    return RevisionComparison(found, pending_failure=failure, pending_failure_on_rows=on_rows)


def owners_changed(before: Catalog, after: Catalog) -> set[tuple[str | None, str]]:
    """The tables (and other objects of their own) whose description, or that of anything they
    own, differs between ``before`` and ``after``: (schema, name)."""
    keys = before.objects.keys() | after.objects.keys()
    return {
        (schema, owner or name)
        for kind, schema, owner, name in keys
        if before.objects.get((kind, schema, owner, name))
        != after.objects.get((kind, schema, owner, name))
    }


def touched_by(differences: list[Difference], later: list[str]) -> bool:
    """Whether the revisions ``later`` (every one between the database's and the head) name an
    object that differs: one they add and drop again is touched on the way, though their
    builds lack it alike. Their files alone are read, not the whole history."""
    from alembic_steward.inspection._revision_files import revision_sources
    from alembic_steward.inspection._run_leftovers import named_in

    try:
        text = "\n".join(revision_sources(set(later)))
    except Exception:  # noqa: BLE001 - no history to read: names count for nothing
        text = ""
    return any(named_in(difference, text) for difference in differences)


def first_failing(scratch: Connection, pending: list[str]) -> tuple[str | None, bool]:
    """Upgrade ``scratch`` through ``pending``, one at a time; say how the first that fails
    does (`revision X fails on a scratch database at the revision before it (reason)`), or
    None; and whether the server refused it for the rows (failed_on_rows)."""
    from alembic_steward.inspection._scratch_database import upgrade_scratch

    for revision in pending:
        try:
            upgrade_scratch(scratch, revision)
        except Exception as error:  # noqa: BLE001 - whatever the revision's own code raises
            where = "a scratch database at the revision before it"
            reason = scratch_failure_reason(error, scratch)
            return f"revision {revision} fails on {where} ({reason})", failed_on_rows(error)
    return None, False


def stopped_line(stopped: tuple[str, Exception], scratch: Connection) -> tuple[str, bool]:
    """:func:`first_failing`'s words for the revision the later-build walk stopped on."""
    revision, error = stopped
    where = "a scratch database at the revision before it"
    reason = scratch_failure_reason(error, scratch)
    return f"revision {revision} fails on {where} ({reason})", failed_on_rows(error)


def failed_on_rows(error: Exception) -> bool:
    """Whether the server refused a statement for the rows it met (a duplicate, a NULL, a value
    out of range: DB-API's IntegrityError and DataError), not for the schema: the scratch
    database holds the rows the revisions wrote, the live one its own, so the live upgrade
    may pass where the build failed."""
    from sqlalchemy.exc import DataError, IntegrityError

    return isinstance(error, (IntegrityError, DataError))


# Past this, a reason is cut: the line it stands in names the revision to read instead.
REASON_LIMIT = 120


def failing_build(error: Exception) -> str:
    """Why a scratch database could not be built to the database's revision, in a few words.
    Not "an empty" one: it starts empty, but a revision may fail on rows an earlier one wrote."""
    reason = scratch_failure_reason(error)
    return f"the migrations fail on a scratch database built from the revisions ({reason})"


def scratch_failure_reason(error: Exception, scratch: Connection | None = None) -> str:
    """Why a revision failed on ``scratch`` (a scratch database, or None once it is gone),
    briefly: the driver's first line, or the refused call, never the state line read after the
    failure (it is about the scratch database, not the user's), nor the scratch database's
    name."""
    from alembic_steward.inspection._scratch_database import unnamed_scratch
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._own_commits import MigrationEndedItsTransaction

    named = getattr(error, "orig", None) or error  # a database error: the driver's, as its name
    if isinstance(error, MigrationEndedItsTransaction):
        said = f"it calls {error.refused_call}, which is refused"
    else:
        said = unnamed_scratch(error_reason(error), scratch.engine.url if scratch else None)
    if len(said) > REASON_LIMIT:
        said = f"{said[: REASON_LIMIT - 3].rstrip()}..."
    return f"{type(named).__name__}: {said}"
