"""The checks `inv db.revision` makes around autogenerate (inspection/_revision_verification.py):
refuse a difference that is the database's, then run what was written and name what is missing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke import Exit

if TYPE_CHECKING:
    from alembic_steward.inspection._revision_verification import RevisionScratch


# Set in a config's attributes when this server refuses the models' own CREATE statements.
MODELS_REFUSED = "alembic_steward.models_refused"


@contextmanager
def checked_around_writing(config: Any) -> Iterator[RevisionScratch | None]:
    """Refuse to write when the database differs from its own revision; yield a scratch
    database at its revision to verify the new revision on (None when none could be built, or
    the database is not at head, which autogenerate itself refuses)."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._database_state import read_database_state
    from alembic_steward.inspection._drift_sides import database_differs_advice
    from alembic_steward.inspection._revision_verification import (
        RevisionNotVerified,
        revision_scratch,
    )
    from alembic_steward.runtime._env import CATALOGS_MATCH
    from alembic_steward.runtime._equal_objects import EQUAL_OBJECTS, agreement

    script = ScriptDirectory.from_config(config)
    with get_blocking_engine().connect() as connection:
        state = read_database_state(script, connection)
        if not state.at_head or state.unknown or state.half_applied_after:
            yield None
            return
        try:
            with revision_scratch(connection, state.current) as scratch:
                if scratch.models == scratch.live:
                    # Nothing to write, whatever autogenerate's own comparison finds.
                    config.attributes[CATALOGS_MATCH] = True
                    yield None
                    return
                differences = scratch.database_differences()
                if not differences and scratch.models_match():
                    # Only what the revisions made and the models leave to them (a trigger).
                    config.attributes[CATALOGS_MATCH] = True
                    yield None
                    return
                if differences:
                    print("The database differs from what its revision builds:")
                    for difference in differences:
                        print(f"  {difference}")
                    raise Exit(
                        f"error: {database_differs_advice()}; no revision was written, as one"
                        " written now would record that difference in the history",
                        code=1,
                    )
                # What autogenerate writes for objects found alike is its blind spot.
                config.attributes[EQUAL_OBJECTS] = agreement(scratch.models, scratch.live)
                yield scratch
        except RevisionNotVerified as reason:
            print(f"note: the new revision will not be checked: {reason}", file=sys.stderr)
            if reason.models_refused:  # what autogenerate writes from them may lack a part
                config.attributes[MODELS_REFUSED] = str(reason)
            yield None


def verify_written(scratch: RevisionScratch, written: list[Any], config: Any) -> list[str]:
    """Run the revisions just ``written`` (if any) on the scratch database; return what the
    models still have that the migrations do not build, printed as warnings.

    A written revision is kept only when the migrations then build the models: one that
    fails there, or leaves a difference, is removed and Exit raised, the lines above it
    naming every change to write by hand instead (docs/decisions.md).
    """
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._driver_errors import error_reason

    try:
        leftovers = scratch.unwritten_after_heads()
    except (CommandError, SQLAlchemyError) as error:
        if not written:
            raise
        reason = error_reason(error) if isinstance(error, SQLAlchemyError) else str(error)
        failure = f"fails on a scratch database at the revision before it ({reason})"
        raise remove_written(scratch, written, config, failure) from None
    if leftovers and written:
        raise remove_written(scratch, written, config, "would leave the differences above")
    for line in leftovers:
        print(f"warning: {line}")
    return leftovers


def remove_written(scratch: RevisionScratch, written: list[Any], config: Any, failure: str) -> Exit:
    """Remove the ``written`` revision files (the head file follows), print every change the
    models need as a line to write by hand, and return the Exit saying so."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._head_file import write_head_file_of

    for script in written:
        Path(script.path).unlink(missing_ok=True)
    write_head_file_of(ScriptDirectory.from_config(config))
    for line in scratch.needed_by_hand():
        print(f"warning: {line}")
    ids = " and ".join(script.revision for script in written)
    return nothing_written_error(
        f"the revision autogenerate wrote ({ids}) {failure}, so it was removed"
    )


def nothing_written_error(why: str) -> Exit:
    """The one line of `inv db.revision` when no revision is left to apply."""
    from alembic_steward.inspection._unwritable_changes import HAND_WRITTEN_REVISION

    return Exit(
        f"error: nothing was written: {why}; write the revision by hand"
        f" ({HAND_WRITTEN_REVISION}) with what the lines above say, then `inv db.upgrade`",
        code=1,
    )
