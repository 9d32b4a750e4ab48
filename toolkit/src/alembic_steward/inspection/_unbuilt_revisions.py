"""A revision's scratch build that could not be made, said by why: what `db.check`, `db.status`
and `db.revision` then say (inspection/_drift_sides.py ``not_compared_advice``).

Four kinds, each its own advice: no scratch database allowed (give the user the right); the
server's condition at the time, a lock or a lost connection (run it again); autogenerate's own
comparison failing there (write the revision by hand: the migrations build); or the migrations
themselves failing on an empty database (fix the revision), which no later run gets past.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from alembic_steward.inspection._drift_sides import DriftSides
from alembic_steward.inspection._unwritable_changes import HAND_WRITTEN_REVISION

if TYPE_CHECKING:
    from alembic_steward.inspection._catalog_drift import Drift
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused


def unbuilt(error: Exception) -> DriftSides:
    """Nothing compared, as a revision's scratch build ended in ``error``, said by its kind: no
    scratch database allowed, the server's condition at the time, autogenerate's comparison
    failing on it, or the migrations failing."""
    from alembic_steward.inspection._comparison_failures import (
        comparison_failure,
        raised_in_comparison,
    )
    from alembic_steward.inspection._revision_comparison import (
        failing_build,
        scratch_failure_reason,
    )
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused
    from alembic_steward.runtime._transient_errors import says_a_passing_condition

    if isinstance(error, ScratchDatabaseRefused):
        skipped = f"cannot create a scratch database ({error})"
        return DriftSides(None, None, skipped=skipped, grant=error.grant)
    if says_a_passing_condition(error):
        reason = scratch_failure_reason(error)
        skipped = f"the scratch build was stopped by the server's condition at the time ({reason})"
        return DriftSides(None, None, skipped=skipped, build_stopped=True)
    if raised_in_comparison(error):
        return DriftSides(None, None, skipped=comparison_failure(error), comparison_fails=True)
    return DriftSides(None, None, skipped=failing_build(error), history_fails=True)


def refused_drift(refused: ScratchDatabaseRefused) -> Drift:
    """No scratch database allowed, for the models' description nor the revision's build:
    nothing was compared, which is the verdict (exit 1, said where it is printed).

    Autogenerate's own comparison is not run in their place: what it finds is no verdict (it
    misses some kinds of change, and reports some that are none, such as REAL for Float(24)
    on PostgreSQL), and a verdict made of it had `inv db.revision` write a revision the
    catalogs would not need."""
    from alembic_steward.inspection._catalog_drift import Drift
    from alembic_steward.inspection._drift import ModelDrift

    return Drift(ModelDrift([], []), replace(unbuilt(refused), models_unread=True))


def not_compared_advice(sides: DriftSides) -> str:
    """Why the models were not compared with what the migrations build (``skipped``), and
    what to do: never "up to date" or "No changes" when that was not seen."""
    if sides.history_fails:
        return (
            f"the models could not be compared with what the migrations build: {sides.skipped}"
            ", so the history cannot build a new database; fix the revision whose upgrade()"
            " fails there, then run `inv db.check` again"
        )
    if sides.comparison_fails:
        return (
            f"the models could not be compared with what the migrations build: {sides.skipped}"
            " (the migrations build; Alembic's query fails); write the revision by hand"
            f" ({HAND_WRITTEN_REVISION}), then run `inv db.check` again"
        )
    if sides.build_stopped:
        return (
            "the models match the database, but whether the migrations build it was not"
            f" compared: {sides.skipped}; run `inv db.check` again"
        )
    grant = sides.grant or "let this user create databases"
    if sides.models_unread:
        return (
            f"{sides.skipped}, so the models were compared with neither the database nor what"
            " its revision builds (autogenerate's comparison alone is no verdict: it misses some"
            f" kinds of change and reports some that are none); {grant}, then run `inv db.check`"
            " again"
        )
    return (
        "the models match the database, but whether the migrations build it was not"
        f" compared: {sides.skipped}; {grant}, as a scratch database is made and dropped"
        " beside this one, then run `inv db.check` again"
    )
