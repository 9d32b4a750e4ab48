"""`db.status --all-tenants`: each tenant's state read as `inv db.status` reads one database.

A row carries the same verdict (half-applied, database differs, pending, drift, ...) and, in
``exit_code``, the same code `inv db.status` gives that database alone, its advice naming the
commands that act on that tenant (`--tenant NAME`, `--tenants NAME`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.runtime._tenancy import Tenant
from alembic_steward.runtime._tenant_runs import TenantOutcome, shown, tenant_history

if TYPE_CHECKING:
    from sqlalchemy import Connection

# A tenant row's outcome for each of `inv db.status`'s exit codes (inspection/_status_report.py).
STATUS_OUTCOMES = {
    0: "at head",
    2: "pending",
    3: "drift",
    4: "several heads",
    6: "unknown revision",
    7: "half-applied",
    8: "edited revision",
    9: "database differs",
    11: "cannot migrate",
    12: "repointed revision",
}


def tenant_status(tenant: Tenant, before: tuple[str, ...], connection: Connection) -> TenantOutcome:
    """Read ``tenant``'s status on ``connection`` (the tenant bound); its row of the report."""
    from alembic_steward.inspection._status_report import read_status

    state = read_status(tenant_history(), connection)
    code = int(state.exit_code)
    return TenantOutcome(
        tenant.name,
        STATUS_OUTCOMES.get(code, f"status {code}"),
        shown(before),
        shown(before),
        detail="" if code == 0 else state.verdict,
        exit_code=code,
    )
