"""Recover from a MySQL/MariaDB migration that stopped half-way (see README, Safety)."""

from __future__ import annotations

from collections.abc import Callable

from invoke import Context, Exit, task

from alembic_steward.tasks._task_options import LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error

# Long only, as the fan-out's: `-t` would be taken by whichever came first.
# `--tenants`, as every fan-out task names its tenants; `--tenant`, the older spelling, kept.
TENANT_REPAIR_OPTIONS = ("all_tenants", "tenants", "tenant", "tenancy")
TENANT_REPAIR_HELP = {
    "all_tenants": "Not taken: a repair acts on one tenant at a time (--tenants NAME)",
    "tenants": "Repair this one tenant alone, as a fan-out report names it",
    "tenant": "The same as --tenants (its older name)",
    "tenancy": "With --tenants: schema (PostgreSQL schemas) or database; default: the wiring's",
}


def one_tenant_at_a_time(command: str, all_tenants: bool) -> None:
    """Refuse ``--all-tenants`` for a repair that records what one tenant's schema holds (a
    stamp, a cleared mark): only that tenant's row says what its schema holds, so the same
    answer for every tenant would claim what nobody checked."""
    if all_tenants:
        from alembic_steward.runtime._tenant_repairs import one_tenant_at_a_time as why_not

        raise Exit(f"error: {why_not(f'`inv {command}`')}", code=1)


def for_tenant(
    tenant: str | None,
    tenancy: str | None,
    repair: Callable[[], list[str]],
    tenants: str | None = None,
) -> list[str]:
    """Run ``repair`` on the tenant ``tenants`` (or ``tenant``, its older option) names
    (runtime/_tenant_repairs.py), or on DATABASE_URL's database."""
    if tenant is not None and tenants is not None and tenant != tenants:
        raise Exit(
            "error: --tenant and --tenants are one option, given two names; give the tenant to"
            " repair once, with --tenants; nothing was changed",
            code=1,
        )
    tenant = tenants if tenants is not None else tenant
    if tenant is None:
        if tenancy is not None:
            raise Exit(
                "error: --tenancy says what --tenants NAME is; name the tenant with --tenants;"
                " nothing was changed",
                code=1,
            )
        return repair()
    from alembic_steward.runtime._tenant_repairs import repair_tenant

    return repair_tenant(tenant, tenancy, repair)


@task(klass=LongOnlyOptions, long_only=TENANT_REPAIR_OPTIONS, help=TENANT_REPAIR_HELP)
@exit_on_user_error
def clear_migration_mark(
    c: Context,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenant: str | None = None,
    tenancy: str | None = None,
) -> None:
    """Clear the mark a half-applied MySQL/MariaDB migration left, once it is undone by hand."""
    from alembic_steward.runtime._repairs import RepairRefused, clear_mark

    one_tenant_at_a_time("db.clear-migration-mark", all_tenants)
    try:
        lines = for_tenant(tenant, tenancy, clear_mark, tenants)
    except RepairRefused as refusal:
        raise Exit(f"error: {refusal}", code=1) from None
    print("\n".join(lines))
