"""`tenant-create NAME`: make a tenant's schema or database and migrate it to head, in one call.

A sign-up path calls this for one tenant, so it runs in-process and touches no other tenant
(Flask-Migrate#478: a sign-up that walked every schema took 10 s).
"""

from __future__ import annotations

from alembic_steward.runtime._tenancy import Tenant, TenantError, checked_name, checked_tenancy

# What a tenant-create whose server cannot be reached left undone.
NOT_MADE = "no tenant was made and nothing was migrated"


def create_tenant(name: str, tenancy: str | None = None) -> str:
    """Create tenant ``name`` if missing, migrate it to head; return the line saying so (and,
    for a name the tenants callable does not list yet, to list it).

    Raises TenantError for a bad name or tenancy, a name that can never be a tenant (a system
    schema or database, DATABASE_URL's own) or that differs from a listed one in case alone,
    before anything is made; CommandError
    when the migration fails (the tenant then exists, at the revision its version table
    shows).
    """
    from alembic.util import CommandError
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import active_steward, get_settings
    from alembic_steward.runtime._tenancy import tenant_url
    from alembic_steward.runtime._tenant_names import (
        COMMAND_LINE,
        check_never_a_tenant,
        unlisted_note,
    )
    from alembic_steward.runtime._tenant_runs import run_tenant

    tenant = Tenant(
        checked_name(name, COMMAND_LINE), checked_tenancy(tenancy or active_steward().tenancy)
    )
    url = tenant_url(make_url(get_settings().blocking_database_url), tenant)
    # A new tenant need not be listed yet (a sign-up creates it), but it is never a system
    # schema or database, nor DATABASE_URL's own.
    check_never_a_tenant([tenant.name], tenant.tenancy, COMMAND_LINE)
    unlisted = unlisted_note(tenant.name)
    created = create_home(tenant, url)
    from alembic_steward.runtime._interruptions import Terminated
    from alembic_steward.runtime._tenant_stops import keeping_tenant_line

    try:
        outcome = run_tenant(tenant, "upgrade", "head")
    except (KeyboardInterrupt, Terminated) as stop:
        raise keeping_tenant_line(tenant, stop)  # noqa: B904 - the same exception, re-raised
    what = f"{tenant.tenancy} {tenant.name}"
    said = "created" if created else "already existed"
    if outcome.failed:
        # Repairs stay refused for a name the callable does not list (the guard that stops
        # `--tenant public`), so listing it comes first; said before the repairs it unlocks.
        first = (
            f"{active_steward().tenants} does not list {tenant.name!r} yet: add it there first,"
            " since a --tenants repair acts only on a listed tenant; then "
            if unlisted
            else ""
        )
        raise CommandError(f"tenant {what} {said}, but its upgrade failed: {first}{outcome.detail}")
    return f"tenant {what} {said}; it is at head ({outcome.after}){unlisted}"


def create_home(tenant: Tenant, url) -> bool:  # noqa: ANN001 - a sqlalchemy URL
    """Create the tenant's schema or database unless it exists; return whether it was made; a
    server that cannot be reached is said so as a fan-out's row says it (DatabaseUnreachable)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from alembic_steward.runtime._connecting import connected, unreachable
    from alembic_steward.runtime._server_databases import (
        admin_engine,
        create_database,
        database_exists,
        maintenance_url,
    )

    if tenant.schema is None:
        try:
            exists = database_exists(url)
        except OperationalError as error:  # connecting: the one statement there only reads
            raise unreachable(error, maintenance_url(url), outcome=NOT_MADE) from None
        if exists:
            return False
        create_database(url)
        return True
    engine = admin_engine(url)
    try:
        with connected(engine, outcome=NOT_MADE) as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": tenant.schema}
            )
            if exists:
                return False
            connection.exec_driver_sql(f'CREATE SCHEMA "{tenant.schema}"')
            return True
    finally:
        engine.dispose()


__all__ = ["TenantError", "create_tenant"]
