"""The words a tenant report's ``outcome`` column says, one name each for every module to use.

They are the report's and its --json rows' words as they stand, so the enum's values are
plain strings: ``json.dumps`` and f-strings write the word, never the member's name.
"""

from __future__ import annotations

import enum


class TenantOutcomeName(str, enum.Enum):
    """How a tenant's run or read ended, as its report row says it (Python 3.10 has no
    StrEnum: a str mixin with :meth:`__str__` is the same)."""

    UPGRADED = "upgraded"
    DOWNGRADED = "downgraded"
    # Downgraded, but holding what the target does not build (runtime/_tenant_downgrade_results.py).
    LEFTOVERS = "leftovers"
    AT_HEAD = "at head"
    AT_TARGET = "at target"
    BELOW_TARGET = "below target"
    EXPAND_DONE = "expand done"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"
    PROTECTED = "protected"
    NOT_RUN = "not run"
    STOPPED = "stopped"
    # A status row's states (runtime/_tenant_status.py), one per `inv db.status` exit code.
    PENDING = "pending"
    DRIFT = "drift"
    NO_DRIFT = "no drift"
    SEVERAL_HEADS = "several heads"
    UNKNOWN_REVISION = "unknown revision"
    HALF_APPLIED = "half-applied"
    EDITED_REVISION = "edited revision"
    DATABASE_DIFFERS = "database differs"
    CANNOT_MIGRATE = "cannot migrate"
    REPOINTED_REVISION = "repointed revision"
    MIGRATION_RUNNING = "migration running"
    # At head, but the models were not compared with what the migrations build (status's 1).
    NOT_COMPARED = "not compared"
    # At head, models matching, but objects fail when used (status's 16).
    BROKEN = "broken"
    # Nothing to read: the tenant has no schema, database or file yet (`inv db.status`'s 15).
    MISSING = "missing"
    # A backfill's (runtime/_backfill_tenants.py); its status rows say the backfills' states.
    FINISHED = "finished"
    PAUSED = "paused"
    # Another runner holds the tenant's backfill: nothing ran, nothing to fix.
    HELD = "held"
    NONE_DECLARED = "none declared"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


# The outcomes of a tenant that did not get where the command was taking it.
FAILED_OUTCOMES = frozenset(
    {
        TenantOutcomeName.FAILED,
        TenantOutcomeName.NOT_RUN,
        TenantOutcomeName.STOPPED,
        TenantOutcomeName.UNREACHABLE,
        TenantOutcomeName.REFUSED,
        TenantOutcomeName.PROTECTED,
        TenantOutcomeName.HELD,
        TenantOutcomeName.LEFTOVERS,
    }
)
