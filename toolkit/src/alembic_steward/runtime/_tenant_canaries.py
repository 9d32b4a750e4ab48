"""`--canary K`: K tenants with something to run go first; a failure among them runs no other.

A canary is there to try the migrations on a few tenants before the rest: a tenant already at
head runs nothing, so it tests nothing. Before an upgrade or a downgrade with a canary, every
tenant's version table is read (one query each, in the pool); the canaries are the first K in
the list that have something to run, and the tenants with nothing to run get their rows from
that read. When a canary fails, the others are reported as they stand: at head, or not run
with the revision read in them, never blank.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from alembic_steward.runtime._tenancy import Tenant, bind_tenant
from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_runs import TenantOutcome, shown

if TYPE_CHECKING:
    from alembic_steward.runtime._tenant_workers import Pools

CANARY_FAILED = "a canary tenant failed; fix it first"
# The actions a canary tries out: those that migrate.
MIGRATING_ACTIONS = ("upgrade", "downgrade")


def canary_groups(
    pools: Pools, tenants: list[Tenant], outcomes: dict[str, TenantOutcome]
) -> tuple[list[list[Tenant]], dict[str, TenantOutcome]]:
    """The groups to run in turn (the canaries, then the rest), and each tenant's row as read
    before (empty without a canary); the rows of tenants with nothing to run go in
    ``outcomes`` at once."""
    from alembic_steward.runtime._tenant_settled import SETTLED_OUTCOMES

    plan = pools.plan
    if not plan.canary:
        return [tenants], {}
    if plan.action not in MIGRATING_ACTIONS:
        return [tenants[: plan.canary], tenants[plan.canary :]], {}
    read: dict[str, TenantOutcome] = {}
    pools.run(tenants, read, lambda ended, total: None, task=read_in_worker)
    settled = {name: row for name, row in read.items() if row.outcome in SETTLED_OUTCOMES}
    outcomes.update(settled)
    behind = [tenant for tenant in tenants if tenant.name not in settled]
    if not behind:
        print(
            f"note: --canary {plan.canary}: no tenant has anything to run, so none ran as a canary",
            file=sys.stderr,
        )
    return [behind[: plan.canary], behind[plan.canary :]], read


def not_run_after_canary(
    tenants: Sequence[Tenant], outcomes: dict[str, TenantOutcome], read: dict[str, TenantOutcome]
) -> None:
    """Record each of ``tenants`` without an outcome as not run, at the revisions ``read``."""
    for tenant in tenants:
        seen = read.get(tenant.name)
        at = seen.before if seen is not None else ""
        outcomes.setdefault(
            tenant.name,
            TenantOutcome(tenant.name, TenantOutcomeName.NOT_RUN, at, at, detail=CANARY_FAILED),
        )


def read_in_worker(
    tenant: Tenant,
    action: str,
    revision: str,
    phase: str | None = None,
    *,
    confirmed: bool = False,
) -> TenantOutcome:
    """The pool's task before a canary: ``tenant``'s row when the run has nothing to do there,
    else "not run" at the revisions read (not read: blank, and the run will say why)."""
    from alembic_steward.runtime._interruptions import Terminated
    from alembic_steward.runtime._tenant_connections import read_revisions, tenant_connection
    from alembic_steward.runtime._tenant_runs import tenant_history
    from alembic_steward.runtime._tenant_settled import settled_outcome
    from alembic_steward.runtime._tenant_stops import NOT_STARTED, WorkerStop

    del confirmed  # the run's, as the pool passes it: a read needs none
    if WorkerStop.signum is not None:
        return TenantOutcome(tenant.name, TenantOutcomeName.NOT_RUN, detail=NOT_STARTED)
    started = time.monotonic()
    bind_tenant(tenant)
    try:
        with tenant_connection(tenant, reading=True) as connection:
            before = read_revisions(connection, tenant)
        row = settled_outcome(tenant, tenant_history(), (action, revision, phase), before)
        if row is None:
            at = shown(before)
            row = TenantOutcome(tenant.name, TenantOutcomeName.NOT_RUN, at, at)
    except (KeyboardInterrupt, Terminated):
        return TenantOutcome(tenant.name, TenantOutcomeName.NOT_RUN, detail=NOT_STARTED)
    except Exception:  # noqa: BLE001 - not read: a canary, whose run says why
        return TenantOutcome(tenant.name, TenantOutcomeName.NOT_RUN)
    finally:
        bind_tenant(None)
    row.seconds = round(time.monotonic() - started, 3)
    return row
