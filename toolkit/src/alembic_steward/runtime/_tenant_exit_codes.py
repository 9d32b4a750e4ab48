"""Each row's `exit_code`: the code the same command gives that tenant's database alone.

A status or check row carries `inv db.status`'s (runtime/_tenant_status.py); an upgrade or
downgrade row the code `inv db.upgrade` ends with for one database: 0 where it got there (or
had nothing to do), 75 where a lock wait was given up, 130/143 where a signal stopped it, 1
for any other failure. A tenant that never started has none (null), as it has no seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_runs import TenantOutcome


def failure_exit_code(error: BaseException) -> int:
    """The code a run on one database ends with when ``error`` fails it (75: a lock wait given
    up on, the documented code; 1 otherwise)."""
    from alembic_steward.runtime._lock_retries import LockWaitGaveUp

    return LockWaitGaveUp.exit_code if isinstance(error, LockWaitGaveUp) else 1


def fill_exit_codes(outcomes: Sequence[TenantOutcome], signal_code: int | None = None) -> None:
    """Give each row without one its code; ``signal_code``: 130 or 143 when a signal stopped
    the run (its `stopped` rows' code)."""
    for outcome in outcomes:
        if outcome.exit_code is not None or outcome.outcome == TenantOutcomeName.NOT_RUN:
            continue
        if outcome.outcome == TenantOutcomeName.STOPPED and signal_code is not None:
            outcome.exit_code = signal_code
        else:
            outcome.exit_code = 1 if outcome.failed else 0
