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


def verify_written(scratch: RevisionScratch, written: Any | None) -> list[str]:
    """Run the new revision (if one was ``written``) on the scratch database; print and return
    what the models still have that the migrations do not build."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import shown_path
    from alembic_steward.runtime._driver_errors import error_reason

    try:
        leftovers = scratch.unwritten_after_heads()
    except (CommandError, SQLAlchemyError) as error:
        reason = error_reason(error) if isinstance(error, SQLAlchemyError) else str(error)
        path = shown_path(Path(written.path))
        raise Exit(
            f"error: revision {written.revision} was written to {path}, but it fails on a"
            f" scratch database at the revision before it ({reason}): fix the file before"
            " `inv db.upgrade`",
            code=1,
        ) from None
    for line in leftovers:
        print(f"warning: {line}")
    return leftovers


def unwritten_error(written: Any) -> Exit:
    from alembic_steward._wiring import shown_path

    return Exit(
        f"error: revision {written.revision} was written to {shown_path(Path(written.path))},"
        " but with it the migrations still do not build the models (warnings above): add what"
        " they list to the file by hand before `inv db.upgrade`",
        code=1,
    )
