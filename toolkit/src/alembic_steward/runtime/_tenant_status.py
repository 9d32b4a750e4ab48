"""`db.status` and `db.check --all-tenants`: each tenant read as `inv db.status` reads one database.

A status row carries the same verdict (half-applied, database differs, pending, drift, ...) and,
in ``exit_code``, the same code `inv db.status` gives that database alone, its advice naming the
commands that act on that tenant (`--tenant NAME`, `--tenants NAME`). A check row gives the
verdict `inv db.check` gives: the models differ (write a revision), the database differs from
what its revision builds (repair the tenant, write no revision), or the tenant is not at head
and says its state and its repair, as its status row would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.inspection._status_report import StatusExit
from alembic_steward.runtime._tenancy import Tenant
from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_runs import TenantOutcome, shown, tenant_history

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.inspection._status_report import MigrationStatus

# A tenant row's outcome for each of `inv db.status`'s exit codes (inspection/_status_report.py).
STATUS_OUTCOMES = {
    StatusExit.UP_TO_DATE: TenantOutcomeName.AT_HEAD,
    StatusExit.PENDING: TenantOutcomeName.PENDING,
    StatusExit.DRIFT: TenantOutcomeName.DRIFT,
    StatusExit.SEVERAL_HEADS: TenantOutcomeName.SEVERAL_HEADS,
    StatusExit.UNREACHABLE: TenantOutcomeName.UNREACHABLE,
    StatusExit.UNKNOWN_REVISION: TenantOutcomeName.UNKNOWN_REVISION,
    StatusExit.HALF_APPLIED: TenantOutcomeName.HALF_APPLIED,
    StatusExit.EDITED_REVISION: TenantOutcomeName.EDITED_REVISION,
    StatusExit.DATABASE_DIFFERS: TenantOutcomeName.DATABASE_DIFFERS,
    StatusExit.REFUSED: TenantOutcomeName.REFUSED,
    StatusExit.CANNOT_MIGRATE: TenantOutcomeName.CANNOT_MIGRATE,
    StatusExit.REPOINTED_REVISION: TenantOutcomeName.REPOINTED_REVISION,
    StatusExit.MIGRATION_RUNNING: TenantOutcomeName.MIGRATION_RUNNING,
    StatusExit.TENANT_MISSING: TenantOutcomeName.MISSING,
    StatusExit.BROKEN: TenantOutcomeName.BROKEN,
}


def unread_outcome(error: Exception) -> tuple[str, int]:
    """A status (or check) row's outcome and code for a tenant ``error`` kept from being read:
    the state its code names (missing, unreachable, refused), as `inv db.status` says it."""
    from alembic_steward.runtime._tenant_runs import unread_exit_code

    code = unread_exit_code(error)
    return STATUS_OUTCOMES.get(code, TenantOutcomeName.FAILED), code


def tenant_status(tenant: Tenant, before: tuple[str, ...], connection: Connection) -> TenantOutcome:
    """Read ``tenant``'s status on ``connection`` (the tenant bound); its row of the report,
    with its unfinished backfills as `inv db.status` lists them for one database."""
    from alembic_steward.runtime._backfill_summaries import unfinished_backfill_summaries

    state = read_tenant_status(connection)
    outcome = status_outcome(tenant, before, state)
    if state.unknown or state.problem:
        return outcome  # where the history is not the tenant's, nothing is listed reliably
    backfills = unfinished_backfill_summaries(tenant_history(), connection)
    if backfills:
        outcome.unfinished_backfills = backfills
        listed = "; ".join(
            f"backfill: {backfill.text.removeprefix('backfill ')}" for backfill in backfills
        )
        outcome.detail = f"{outcome.detail}; {listed}" if outcome.detail else listed
    return outcome


def tenant_check(tenant: Tenant, before: tuple[str, ...], connection: Connection) -> TenantOutcome:
    """Compare ``tenant`` with the models as `inv db.check` compares one database; a tenant
    that cannot be compared (not at head, half-applied, ...) is its status row."""
    state = read_tenant_status(connection)
    code = state.exit_code
    if code == StatusExit.UP_TO_DATE:
        return TenantOutcome(
            tenant.name, TenantOutcomeName.NO_DRIFT, shown(before), shown(before), exit_code=0
        )
    if code == StatusExit.DRIFT and state.drift is not None:
        # The models' side alone: the database is what its revision builds.
        detail = f"{'; '.join(state.drift.lines)}; {state.drift.advice}"
        return TenantOutcome(
            tenant.name,
            TenantOutcomeName.DRIFT,
            shown(before),
            shown(before),
            detail=detail,
            exit_code=int(code),
        )
    return status_outcome(tenant, before, state)


def read_tenant_status(connection: Connection) -> MigrationStatus:
    from alembic_steward.inspection._status_report import read_status

    return read_status(tenant_history(), connection)


def status_outcome(
    tenant: Tenant, before: tuple[str, ...], state: MigrationStatus
) -> TenantOutcome:
    """``state`` as ``tenant``'s row: its outcome in words, its verdict, its differences."""
    from alembic_steward.inspection._drift_sides import DIFFERENCES_ABOVE, differences_named

    code = state.exit_code
    differences = state.sides.database or None
    # A row has no lines above it: its verdict names the differences it speaks of.
    where = differences_named(differences) if differences else DIFFERENCES_ABOVE
    return TenantOutcome(
        tenant.name,
        # Read, not unread: its 1 is a comparison not made, never an unread tenant's failure.
        TenantOutcomeName.NOT_COMPARED
        if code == StatusExit.NOT_COMPARED
        else STATUS_OUTCOMES.get(code, f"status {int(code)}"),
        shown(before),
        shown(before),
        detail="" if code == StatusExit.UP_TO_DATE else state.verdict_pointing(where),
        exit_code=int(code),
        differences=differences,
        upgrade_blocked=code == StatusExit.PENDING
        and bool(state.sides.pending_failure or state.failed_upgrade or state.backfill_first),
    )
