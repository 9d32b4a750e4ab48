"""Tell a downgrade() (or upgrade()) whose own code is wrong from one the database's state made
fail, by trial.

A downgrade() refused by the database may have met something this database holds or lacks (an
earlier step's leftover, a hand change, its rows), or its own statements may be wrong (a column
its revision never made, a function body naming a table gone by then, a SQLite batch rebuild
that a view blocks). Only running it tells them apart: a scratch database is built at the
failing revision, exactly as `inv db.upgrade` builds it, and that downgrade() run there. Failing
there the same way, its code is wrong, and downgrading again fails until it is fixed; passing,
the live database is to blame, and the advice about what it holds stands.

A failed upgrade() is tried the same way, on a scratch database built at its parent: one whose
own statement is wrong (`ALTER TABLE nosuch ...`) leaves MariaDB half-applied, and undoing the
half and migrating again, as the line would otherwise advise, fails the same way.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.runtime._migration_frames import MigrationFrame

# The trial's own failure must not start another trial (its state is read as any run's).
_trying: ContextVar[bool] = ContextVar("alembic_steward_downgrade_trial", default=False)
FAILS, PASSES, UNTRIED = "fails", "passes", "untried"


@dataclass(frozen=True)
class DowngradeTrial:
    """How the failed downgrade() of ``revision`` did on a scratch database built at it (an
    upgrade(): built at its parent, ``built_at``)."""

    verdict: str  # FAILS, PASSES, or UNTRIED (no build there, or it failed otherwise there)
    revision: str
    where: str  # `app/migrations/versions/r2.py:22`, the failing line
    error: str  # the error type both runs raised
    function: str = "downgrade"
    built_at: str = ""

    def fix_first(self) -> str:
        """Why its code is at fault, and where to fix it."""
        again = "downgrading" if self.function == "downgrade" else "migrating"
        return (
            f"{self.revision}'s {self.function}() fails the same way on a scratch database built"
            f" at {self.built_at or self.revision} ({self.error}), so its own code is wrong, not"
            f" this database: fix it at {self.where} ({again} again fails until it is fixed)"
        )

    def code_fault(self, function: str) -> str:
        """`fix_first()` when ``function``'s own code failed the trial, else ""."""
        return self.fix_first() if self.verdict == FAILS and self.function == function else ""

    def again(self, parent: str) -> str:
        """The way on once what the database holds was dealt with: fix first, if need be."""
        from alembic_steward.runtime._half_applied_marks import downgrade_again

        if self.verdict == FAILS:
            return f"{self.fix_first()}, then {downgrade_again(parent)}"
        return f"then {downgrade_again(parent)}"

    def nothing_left_ways(self, parent: str) -> str:
        """`; ...` after a downgrade() rolled back whole (or that changed nothing), whose
        database differs in nothing the comparison reads."""
        from alembic_steward.runtime._half_applied_marks import downgrade_again

        if self.verdict == FAILS:
            return f"; {self.again(parent)}"
        if self.verdict == PASSES:
            return (
                f"; {self.revision}'s downgrade() passes on a scratch database built at"
                f" {self.revision}, so what this database holds makes it fail (its rows, or"
                f" what the comparison does not read): fix that, then {downgrade_again(parent)}"
            )
        return (
            f"; whether its code or this database is at fault was not told (no scratch database"
            f" at {self.revision} failed the same way): read {self.where} against the error,"
            f" fix what it names, then {downgrade_again(parent)}"
        )

    def blame(self) -> str:
        """`; r2's downgrade() passes on ...` before the advice about what the database holds
        ("" unless it passed: the database, not the code, is then to blame)."""
        if self.verdict != PASSES:
            return ""
        return (
            f"{self.revision}'s downgrade() passes on a scratch database built at"
            f" {self.revision}, so what this database holds makes it fail; "
        )


def error_type(error: BaseException) -> str:
    """The driver's error type for a database error (`UndefinedColumn`), else the error's."""
    return type(getattr(error, "orig", None) or error).__name__


def tried_downgrade(
    connection: Connection, frame: MigrationFrame, error: BaseException
) -> DowngradeTrial | None:
    """Run ``frame``'s downgrade() on a scratch database built at its revision (its upgrade():
    built at its parent), after it failed with ``error``; None when not tried (a trial's own
    failure, a wait given up, which may pass next time)."""
    from alembic_steward._wiring import shown_path
    from alembic_steward.inspection._drift_sides import blocking_url
    from alembic_steward.inspection._scratch_database import revision_built
    from alembic_steward.runtime._transient_errors import says_a_passing_condition

    if _trying.get() or says_a_passing_condition(error):
        return None
    where = f"{shown_path(frame.path)}:{frame.line}"
    upgrading = frame.function == "upgrade"
    parents = [] if frame.down_revision == "base" else frame.down_revision.split(", ")
    built = parents if upgrading else [frame.revision]
    token = _trying.set(True)
    try:
        with revision_built(blocking_url(connection), built, label="trial") as scratch:
            failed = (
                upgraded_once(scratch, frame.revision) if upgrading else downgraded_once(scratch)
            )
    except Exception:  # noqa: BLE001 - no build at that revision: nothing was tried
        failed = None
        verdict = UNTRIED
    else:
        verdict = PASSES if failed is None else UNTRIED
    finally:
        _trying.reset(token)
    if failed is not None and same_failure(failed, frame, error):
        verdict = FAILS
    built_at = frame.down_revision if upgrading else ""
    return DowngradeTrial(
        verdict, frame.revision, where, error_type(error), frame.function, built_at
    )


def downgraded_once(scratch: Connection) -> Exception | None:
    """Revert the scratch database's one head (the failing revision); what it raised, if any."""
    from alembic import command

    from alembic_steward.inspection._scratch_database import alembic_config_on, quiet_alembic
    from alembic_steward.runtime._tenancy import tenant_unbound

    try:
        with quiet_alembic(), tenant_unbound():
            command.downgrade(alembic_config_on(scratch), "-1")
    except Exception as failed:  # noqa: BLE001 - whatever the revision's own code raises
        return failed
    return None


def upgraded_once(scratch: Connection, revision: str) -> Exception | None:
    """Apply ``revision`` on the scratch database built at its parent; what it raised, if any."""
    from alembic_steward.inspection._scratch_database import upgrade_scratch

    try:
        upgrade_scratch(scratch, revision)
    except Exception as failed:  # noqa: BLE001 - whatever the revision's own code raises
        return failed
    return None


def same_failure(failed: Exception, frame: MigrationFrame, error: BaseException) -> bool:
    """Whether the trial failed in the same revision's function, with the same error type."""
    from alembic_steward.runtime._migration_frames import migration_frame

    there = migration_frame(failed)
    return (
        there is not None
        and there.revision == frame.revision
        and there.function == frame.function
        and error_type(failed) == error_type(error)
    )
