"""Recover from a MySQL/MariaDB migration that stopped half-way (see README, Safety)."""

from __future__ import annotations

from collections.abc import Callable

from invoke import Context, Exit, task

from alembic_steward.tasks._task_options import LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error

# Long only, as the fan-out's: `-t` would be taken by whichever came first.
TENANT_REPAIR_HELP = {
    "tenant": "Repair this tenant alone (its schema or database), as a fan-out report names it",
    "tenancy": "With --tenant: schema (PostgreSQL schemas) or database; default: the wiring's",
}


def for_tenant(
    tenant: str | None, tenancy: str | None, repair: Callable[[], list[str]]
) -> list[str]:
    """Run ``repair`` on ``tenant`` (runtime/_tenant_repairs.py), or on DATABASE_URL's database."""
    if tenant is None:
        if tenancy is not None:
            raise Exit(
                "error: --tenancy says what --tenant NAME is; name the tenant with --tenant;"
                " nothing was changed",
                code=1,
            )
        return repair()
    from alembic_steward.runtime._tenant_repairs import repair_tenant

    return repair_tenant(tenant, tenancy, repair)


@task(klass=LongOnlyOptions, long_only=("tenant", "tenancy"), help=TENANT_REPAIR_HELP)
@exit_on_user_error
def clear_migration_mark(c: Context, tenant: str | None = None, tenancy: str | None = None) -> None:
    """Clear the mark a half-applied MySQL/MariaDB migration left, once it is undone by hand."""
    from alembic_steward.runtime._repairs import RepairRefused, clear_mark

    try:
        lines = for_tenant(tenant, tenancy, clear_mark)
    except RepairRefused as refusal:
        raise Exit(f"error: {refusal}", code=1) from None
    print("\n".join(lines))
