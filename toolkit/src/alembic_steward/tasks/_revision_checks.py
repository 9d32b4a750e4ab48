"""The checks `inv db.revision` makes around autogenerate (inspection/_revision_verification.py):
refuse a difference that is the database's, then run what was written and name what is missing
or what fails in it, the file kept either way.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke import Exit

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._revision_verification import RevisionScratch


@contextmanager
def checked_around_writing(config: Any) -> Iterator[RevisionScratch | None]:
    """Refuse to write when the database differs from its own revision, or when this server
    refuses the models themselves (UnbuildableModels, `db.status`'s line: a revision written
    from them would fail the same way); yield a scratch database at its revision to verify the
    new revision on (None when none could be built, or the database is not at head, which
    autogenerate itself refuses)."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._database_state import read_database_state
    from alembic_steward.inspection._revision_verification import (
        RevisionNotVerified,
        revision_scratch,
    )
    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.runtime._env import CATALOGS_MATCH
    from alembic_steward.runtime._equal_objects import EQUAL_OBJECTS, agreement

    script = ScriptDirectory.from_config(config)
    with get_blocking_engine().connect() as connection:
        state = read_database_state(script, connection)
        if not state.at_head or state.unknown or state.half_applied_after:
            yield None
            return
        refuse_edited_revisions(script, connection)
        try:
            with revision_scratch(connection, state.current) as scratch:
                # First: a change made by hand and to the models alike matches the models, yet
                # a revision written from the live database would hold nothing of it.
                differences = scratch.database_differences()
                if not differences and scratch.models_match():
                    # Nothing to write, whatever autogenerate's own comparison finds (what the
                    # revisions made and the models leave to them, a trigger, aside).
                    config.attributes[CATALOGS_MATCH] = True
                    yield None
                    return
                if differences and keeps_hand_additions(scratch, config):
                    yield scratch
                    return
                if not differences:
                    # What autogenerate writes for objects found alike is its blind spot.
                    config.attributes[EQUAL_OBJECTS] = agreement(scratch.models, scratch.live)
                    yield scratch
                    return
                print("The database differs from what its revision builds:")
                for difference in differences:
                    print(f"  {difference}")
                refuse_enum_values_alone(scratch)
                refused = scratch
            # Once the scratch database is gone (one at a time): status's search and advice.
            raise Exit(
                f"error: {differing_advice(refused, script)}; no revision was written, as one"
                " written now would record that difference in the history",
                code=StatusExit.DATABASE_DIFFERS,
            )
        except RevisionNotVerified as reason:
            if reason.history_fails:
                # No revision written now could be checked, nor could the history build a new
                # database with it: the failing revision is what to fix, not the models.
                raise Exit(
                    f"error: {reason}, so the history cannot build a new database and no revision"
                    " written now could be checked: fix the revision whose upgrade() fails there"
                    " (`inv db.revision --empty` still writes one by hand); nothing was written",
                    code=1,
                ) from None
            if reason.refused:
                # Autogenerate alone writes what the catalogs would not need (PostgreSQL's
                # REAL for Float(24)) and misses what they would: no revision from it alone.
                grant = reason.grant or "let this user create databases"
                raise Exit(
                    f"error: {reason}, so no revision written now could be checked against what"
                    f" the migrations build; {grant}, then run `inv db.revision` again"
                    " (`inv db.revision --empty` still writes one by hand); nothing was written",
                    code=1,
                ) from None
            print(f"note: the new revision will not be checked: {reason}", file=sys.stderr)
            yield None


def differing_advice(scratch: RevisionScratch, script: ScriptDirectory | None = None) -> str:
    """Status's advice for the live database found differing from ``scratch``, its revision's
    build (now gone): the stamp of the earlier revision whose build it is, if one is."""
    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._broken_builds import broken_build_advice, lacking_only_broken
    from alembic_steward.inspection._drift_sides import (
        DIFFERENCES_ABOVE,
        database_differs_advice,
        stamped_wrongly_advice,
    )
    from alembic_steward.inspection._later_builds import earlier_build_here

    own = compare_catalogs(scratch.built, scratch.live)
    broken = lacking_only_broken(own, scratch.built)
    if broken:  # no stamp: a new revision drops them (status's advice too)
        return broken_build_advice(DIFFERENCES_ABOVE, broken)
    connection, live, schemas = scratch.live_connection, scratch.live, scratch.schemas
    built_by = earlier_build_here(connection, live, schemas, scratch.current, own)
    if built_by is not None:
        return stamped_wrongly_advice(DIFFERENCES_ABOVE, built_by)
    from alembic_steward.inspection._recorded_runs import every_revision_ran
    from alembic_steward.inspection._runs_elsewhere import runs_outside_history
    from alembic_steward.inspection._sqlite_rebuild_recipe import sqlite_rebuild_recipe

    additions = scratch.database_additions()
    return database_differs_advice(
        additions=additions,
        lacking=scratch.database_lacks()
        and not every_revision_ran(connection, scratch.current, script),
        restoring=scratch.restoring(),
        # As status reads them (inspection/_catalog_drift.py): one advice for both.
        runs_elsewhere=runs_outside_history(connection, script) if additions else (),
        script=script,
        rebuild=sqlite_rebuild_recipe(connection, additions) if additions else None,
    )


# Set in a config's attributes when the revision is written from the scratch database: the
# objects (`column users.phone`) the live database holds already, added by hand.
HAND_ADDITIONS = "alembic_steward.hand_additions"


def keeps_hand_additions(scratch: RevisionScratch, config: Any) -> bool:
    """When the live database differs from its revision only by objects added by hand that the
    models have too, have autogenerate compare the models with ``scratch`` (the revision's
    build) instead: the revision it writes adds them, where the live database would give it
    nothing to write; the database is then stamped, keeping their data. False otherwise."""
    from alembic_steward.inspection._drift_sides import additions_kept_by_models
    from alembic_steward.runtime._equal_objects import EQUAL_OBJECTS, agreement

    # `inv db.status`'s reading too: its advice names this revision only where it is written.
    if not additions_kept_by_models(scratch.built, scratch.live, scratch.models):
        return False
    additions = scratch.database_additions()
    print(
        f"note: the database has {', '.join(additions)} in addition to what its revision"
        " builds, added by hand, as the models have; the revision is written from what its"
        " revision builds (a scratch database), not from the database"
    )
    config.attributes["connection"] = scratch.connection
    config.attributes[HAND_ADDITIONS] = additions
    config.attributes[EQUAL_OBJECTS] = agreement(scratch.models, scratch.built)
    return True


def refuse_enum_values_alone(scratch: RevisionScratch) -> None:
    """Refuse, naming the revision to write by hand, when the database differs from its
    revision only by enum values added by hand (PostgreSQL): no undo exists for them, so the
    revision that keeps them is the way out, not a difference to keep out of the history; but
    autogenerate writes no enum value, so `--empty` it is, with the line to put in it."""
    from alembic_steward.inspection._enum_value_revision import keeping_revision_advice
    from alembic_steward.inspection._status_report import StatusExit

    values = scratch.enum_values_alone()
    if not values:
        return
    models = "" if scratch.models_match() else "add them to the models and "
    raise Exit(
        f"error: the database has enum value(s) {', '.join(values)} that its revision does"
        f" not build, added by hand, and PostgreSQL cannot drop an enum value: keep them with"
        f" a revision; {models}{keeping_revision_advice(values)}; nothing was written",
        code=StatusExit.DATABASE_DIFFERS,
    )


def refuse_edited_revisions(script: Any, connection: Any) -> None:
    """Refuse with `db.status`'s line (exit 8) when an applied revision's file changed since it
    ran: the database then differs from what the files build because the file moved, not the
    database, so "stamped without running, or changed by hand" would blame the wrong side."""
    from alembic_steward.inspection._edits import describe_edits, edits_advice
    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.runtime._revision_checksums import edited_revisions
    from alembic_steward.runtime._state_after_failure import version_heads

    # With the heads, as `db.status` reads it: an accepted edit undone in the file is told
    # from an edit the database keeps (record it again, not restore it again).
    current = list(version_heads(connection))
    edited = edited_revisions(connection, script, current)
    if edited:
        advice = edits_advice(describe_edits(connection, script, edited, current))
        raise Exit(f"error: {advice}; no revision was written", code=StatusExit.EDITED_REVISION)


def verify_written(scratch: RevisionScratch, written: list[Any], config: Any) -> Exit | None:
    """Run the revisions just ``written`` (if any) on the scratch database and print what the
    models still have that they do not build, each with what to add by hand.

    A written file is kept whatever the outcome (docs/decisions.md): returned is the Exit to
    raise once it has been reported, naming what to add to it (differences left) or the call
    that fails (the file fails there), or None when it builds the models. With nothing
    written, the lines are every change autogenerate cannot write.
    """
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._migration_frames import migration_frame

    try:
        leftovers = scratch.unwritten_after_heads()
    except (CommandError, SQLAlchemyError) as error:
        if not written:
            raise
        return failing_written_error(scratch, written, error)
    except Exception as error:  # the written code's own (NameError, KeyError): on the scratch
        if not written or migration_frame(error) is None:
            raise
        return failing_written_error(scratch, written, error)
    for line in leftovers:
        print(f"warning: {line}")
    downgrade_wrong = scratch.downgrade_check(revisions_named(written)) if written else None
    lost = [lost.line(revisions_named(written)) for lost in scratch.lost]
    for line in lost:
        print(f"warning: {line}")
    if lost and written:
        return Exit(
            f"error: written {written_paths(written)}, but its upgrade loses what the lines above"
            " name: recreate each in it after the operation that loses it, before"
            " `inv db.upgrade` (the database was not changed)",
            code=1,
        )
    if leftovers and written:
        return Exit(
            f"error: written {written_paths(written)}, but it does not build the models yet:"
            " add what the lines above name to it before `inv db.upgrade` (the database was"
            " not changed)",
            code=1,
        )
    if downgrade_wrong:
        return Exit(
            f"error: written {written_paths(written)}, but {downgrade_wrong}, before"
            " `inv db.upgrade` (the database was not changed)",
            code=1,
        )
    return None


def failing_written_error(scratch: RevisionScratch, written: list[Any], error: Exception) -> Exit:
    """The Exit for a written file that fails on the scratch database: the call that fails, at
    which line, why and (where the database says) how to fix it. Only the changes autogenerate
    never writes are listed: a build that stopped part-way shows nothing else truly."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import shown_path
    from alembic_steward.inspection._failing_operation import (
        blocking_view_fix,
        failing_operation,
        located,
    )
    from alembic_steward.runtime._driver_errors import error_reason

    never_written = scratch.never_written()
    for line in never_written:
        print(f"warning: {line}")
    operation = failing_operation(error, [Path(script.path) for script in written])
    if operation is not None:
        what = located(operation, shown_path)
    else:
        reason = error_reason(error) if isinstance(error, SQLAlchemyError) else str(error)
        what = f"it fails on a scratch database at the database's revision ({reason})"
    fixes = [operation.fix] if operation is not None and operation.fix else []
    if operation is not None and (view := blocking_view_fix(operation, scratch.connection)):
        fixes.append(view)
    if operation is not None and not fixes and (identity := scratch.identity_change(operation)):
        fixes.append(f"write it as {identity}")
    if never_written:
        fixes.append("add what the lines above name before that call")
    fix = ", and ".join(fixes) or ("fix that call" if operation is not None else "fix it")
    return Exit(
        f"error: written {written_paths(written)}, but {what}; {fix}, then `inv db.upgrade`"
        " (the database was not changed)",
        code=1,
    )


def revisions_named(written: list[Any]) -> str:
    """`revision 1a2b (add email)`, as the stairway names a revision; several joined by "and"."""
    names = [f"{script.revision} ({(script.doc or '').strip()})" for script in written]
    return f"revision {' and '.join(names)}" if names else "the history"


def written_paths(written: list[Any]) -> str:
    from alembic_steward._wiring import shown_path

    return " and ".join(str(shown_path(Path(script.path))) for script in written)


def nothing_written_error(why: str) -> Exit:
    """The one line of `inv db.revision` when no revision is left to apply."""
    from alembic_steward.inspection._unwritable_changes import HAND_WRITTEN_REVISION

    return Exit(
        f"error: nothing was written: {why}; write the revision by hand"
        f" ({HAND_WRITTEN_REVISION}) with what the lines above say, then `inv db.upgrade`",
        code=1,
    )
