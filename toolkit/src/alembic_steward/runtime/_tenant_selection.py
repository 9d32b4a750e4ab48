"""Which tenants a fan-out runs, and the options it refuses before any tenant runs: names the
tenants callable does not list, a shard, a tenancy DATABASE_URL's database cannot have, a
target the history does not have, and per-tenant options given without any tenant.
"""

from __future__ import annotations

from collections.abc import Mapping

from alembic_steward.runtime._tenancy import (
    Tenant,
    declared_tenants,
    in_shard,
    parse_shard,
    parse_tenant_names,
)
from alembic_steward.runtime._tenant_runs import tenant_history


def selected_names(tenants: str | None, shard: str | None, tenancy: str) -> list[str]:
    """The tenants to run: ``--tenants A,B`` (each one the wiring lists) or the wiring's
    list, then ``--shard i/n``'s; TenantError for a name that is not a tenant."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._main_schema import refuse_names_on_main_search_path
    from alembic_steward.runtime._tenant_names import check_listed, check_never_a_tenant

    if tenants is not None:
        source = "--tenants on the command line"
        names = parse_tenant_names(tenants.split(","), source)
        check_listed(names, "--tenants")
    else:
        source = f"the tenants callable {active_steward().tenants}"
        names = declared_tenants()
    check_never_a_tenant(names, tenancy, source)
    refuse_names_on_main_search_path(names, tenancy, source)
    return in_shard(names, parse_shard(shard) if shard is not None else None)


def check_tenancy_fits_database(tenancy: str) -> None:
    """Refuse, before any run, a tenancy DATABASE_URL's database cannot have (TenantError)."""
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._tenancy import tenant_url

    tenant_url(make_url(get_settings().blocking_database_url), Tenant("tenant", tenancy))


def check_target_resolves(revision: str) -> None:
    """Raise Alembic's own error (as the single-database command gets it) for a ``revision``
    the history does not have or names ambiguously, once, before any tenant runs: otherwise
    every tenant fails with it. A relative step is each tenant's own; a history that does not
    load is left to each tenant's row, as before."""
    if any(sign in revision for sign in "+-"):
        return
    try:
        script = tenant_history()
    except Exception:  # noqa: BLE001 - each tenant's row says why it does not load
        return
    script.get_revisions(revision)  # CommandError, worded as Alembic words it for one database


def per_tenant_options_alone(options: Mapping[str, object]) -> str | None:
    """Why the per-tenant ``options`` given (by name; None or False is not given, while 0 is:
    `--canary 0` alone is as senseless as `--canary 2`) cannot run without `--all-tenants` or
    `--tenants`, or None when none is given: on their own the command would run on
    DATABASE_URL's own database, from every pod of an Indexed Job."""
    given = [
        f"--{name.replace('_', '-')}"
        for name, value in options.items()
        if value is not None and value is not False
    ]
    if not given:
        return None
    verb = "applies" if len(given) == 1 else "apply"
    return (
        f"{', '.join(given)} only {verb} to a fan-out, with --all-tenants or --tenants NAME,...;"
        " without either the command would run on DATABASE_URL's own database alone; nothing"
        " was run"
    )
