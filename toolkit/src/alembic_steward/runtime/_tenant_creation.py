"""`tenant-create NAME`: make a tenant's schema or database and migrate it to head, in one call.

A sign-up path calls this for one tenant, so it runs in-process and touches no other tenant
(Flask-Migrate#478: a sign-up that walked every schema took 10 s).
"""

from __future__ import annotations

from alembic_steward.runtime._tenancy import Tenant, TenantError, checked_name, checked_tenancy

# What a tenant-create whose server cannot be reached left undone.
NOT_MADE = "no tenant was made and nothing was migrated"
# SQLSTATEs of a CREATE SCHEMA that met the schema another creator committed meanwhile: a
# unique violation in pg_namespace while both ran, "duplicate schema" once it was committed.
SCHEMA_EXISTS_STATES = frozenset({"23505", "42P06"})


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

    what = f"{tenant.tenancy} {tenant.name}"
    said = "created" if created else "already existed"
    try:
        outcome = run_tenant(tenant, "upgrade", "head")
    except (KeyboardInterrupt, Terminated) as stop:
        raise creation_stopped(tenant, f"tenant {what} {said}", stop)  # noqa: B904 - the same exception
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


def creation_stopped(tenant: Tenant, made: str, stop: BaseException) -> BaseException:
    """``stop``, carrying its line for ``tenant``'s creation: a stopped upgrade's line alone
    named no tenant, nor that its schema or database was made (``made``), nor the way on: the
    same `tenant-create`, which upgrades a tenant that exists from where it stands."""
    from alembic_steward.runtime._interruptions import WORDED_LINE
    from alembic_steward.runtime._tenant_connections import create_command
    from alembic_steward.runtime._tenant_stops import tenant_stopped_line

    line = tenant_stopped_line(tenant, stop).removeprefix("error: ")
    # A line naming repairs (a half-applied mark) asks for them before any rerun.
    then = "once that is done, " if "`" in line else ""
    setattr(
        stop,
        WORDED_LINE,
        f"error: {made}, but its upgrade was stopped: {line}; {then}{create_command(tenant)}"
        " again carries it on to head",
    )
    return stop


def create_home(tenant: Tenant, url) -> bool:  # noqa: ANN001 - a sqlalchemy URL
    """Create the tenant's schema or database unless it exists; return whether it was made; a
    server that cannot be reached is said so as a fan-out's row says it (DatabaseUnreachable)."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from alembic_steward.runtime._connecting import connected, unreachable
    from alembic_steward.runtime._main_schema import refuse_shadowing_schemas
    from alembic_steward.runtime._server_databases import (
        admin_engine,
        create_database,
        database_exists,
        maintenance_url,
    )
    from alembic_steward.runtime._tenant_names import COMMAND_LINE

    if tenant.schema is None:
        try:
            exists = database_exists(url)
        except OperationalError as error:  # connecting: the one statement there only reads
            raise unreachable(error, maintenance_url(url), outcome=NOT_MADE) from None
        # Another `tenant-create` may make it between the look and the CREATE: its answer,
        # not the look's, says whether this one made it.
        return False if exists else create_database(url)
    engine = admin_engine(url)
    try:
        with connected(engine, outcome=NOT_MADE) as connection:
            # A name the search_path reaches before the main schema would capture it.
            refuse_shadowing_schemas(connection, [tenant.schema], COMMAND_LINE)
            exists = connection.scalar(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": tenant.schema}
            )
            if exists:
                return False
            return create_schema(connection, tenant.schema)
    finally:
        engine.dispose()


def create_schema(connection, schema: str) -> bool:  # noqa: ANN001 - a sqlalchemy Connection
    """Create ``schema``; False when another creator committed it first (PostgreSQL then
    refuses with a duplicate key in pg_namespace, or "already exists": 42P06)."""
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    try:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except (IntegrityError, ProgrammingError) as error:
        if getattr(error.orig, "sqlstate", None) not in SCHEMA_EXISTS_STATES:
            raise
        return False
    return True


__all__ = ["TenantError", "create_tenant"]
