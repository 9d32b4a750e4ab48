"""`stamp REV --tenants NAME` and `clear-migration-mark --tenants NAME`: a repair of one tenant
(`--tenant NAME`, the older spelling, is the same option).

The advice a fan-out prints for a tenant whose MySQL/MariaDB migration stopped half-way names
these (runtime/_half_applied_marks.py). The tenant is bound as a fan-out worker binds it
(runtime/_tenancy.py), so the repair (runtime/_repairs.py) and the env.py run a stamp makes
act on its version table, its half-applied mark and its migration lock alone.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic_steward.runtime._tenancy import (
    Tenant,
    TenantError,
    bind_tenant,
    checked_name,
    checked_tenancy,
    configured_tenancy,
)


def repair_tenant(name: str, tenancy: str | None, repair: Callable[[], list[str]]) -> list[str]:
    """Run ``repair`` with tenant ``name`` (of ``tenancy``, default the wiring's) bound; return
    its lines, each naming the tenant.

    Raises TenantError, before anything is changed, for a bad name or a tenant that does not
    exist; whatever ``repair`` raises otherwise.
    """
    from alembic_steward.runtime._tenant_connections import tenant_revisions
    from alembic_steward.runtime._tenant_names import check_listed, check_never_a_tenant

    source = "--tenants on the command line"
    if "," in name:
        # `--tenants` reads as the fan-out's list, but a repair is of one tenant's state.
        raise TenantError(
            f"a repair acts on one tenant at a time, and {name!r} names several; give one name"
            " to --tenants (each row of a fan-out report names its own repair); nothing was"
            " changed"
        )
    tenant = Tenant(checked_name(name, source), checked_tenancy(tenancy or configured_tenancy()))
    try:
        # A name the wiring does not list is no tenant (`--tenant public` would repair
        # DATABASE_URL's own database); then its version table is read: a tenant that does
        # not exist is said so, as the fan-out says it, before a repair could create its
        # mark table (or SQLite file).
        check_listed([tenant.name], "--tenants")
        check_never_a_tenant([tenant.name], tenant.tenancy, source)
        tenant_revisions(tenant)
    except TenantError as error:
        said = str(error)  # some say already that nothing was run
        changed = "" if "nothing was" in said else "; nothing was changed"
        raise TenantError(f"{said}{changed}") from None
    from alembic_steward.runtime._interruptions import Terminated
    from alembic_steward.runtime._tenant_stops import keeping_tenant_line

    bind_tenant(tenant)
    try:
        lines = repair()
    except (KeyboardInterrupt, Terminated) as stop:
        raise keeping_tenant_line(tenant, stop)  # noqa: B904 - the same exception, re-raised
    finally:
        bind_tenant(None)
    return [f"tenant {tenant.name}: {mid_line(line)}" for line in lines]


def one_tenant_at_a_time(command: str) -> str:
    """Why the repair ``command`` (backquoted, as it runs there) takes no `--all-tenants`: it
    records what one tenant's schema holds (a stamp, a cleared mark), which only that tenant's
    row says; the same answer for every tenant would claim what nobody checked."""
    return (
        f"{command} acts on one tenant at a time, as a fan-out report's row names it: it"
        " records what that tenant's schema holds, which differs from tenant to tenant; run it"
        " with --tenants NAME for each tenant whose row says so; nothing was changed"
    )


def mid_line(line: str) -> str:
    """``line``, a sentence of its own, as it reads after "tenant NAME: ": its first word in
    lower case, unless it is a name (PostgreSQL, SQLite: a capital after the first letter)."""
    first = line.split(" ", 1)[0]
    if not first[:1].isupper() or any(letter.isupper() for letter in first[1:]):
        return line
    return line[0].lower() + line[1:]
