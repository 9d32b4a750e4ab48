"""A backfill's lock name and the commands its advice names, for the tenant bound if any.

Tenants share a server: schema tenants one database, database tenants one server. A lock
named after the backfill alone would make runners on two tenants refuse each other (a
PostgreSQL advisory lock is per database, not per schema), and advice naming `db.backfill run
NAME` alone would act on DATABASE_URL's own database instead of the tenant it was printed for.
"""

from __future__ import annotations

from alembic_steward.runtime._advice import advised, bound_tenant_options


def backfill_lock_name(name: str) -> str:
    """The named lock one runner of backfill ``name`` holds, keyed by the tenant bound."""
    from alembic_steward.runtime._tenancy import bound_tenant

    tenant = bound_tenant()
    return f"backfill-{name}" if tenant is None else f"backfill-{tenant.name}-{name}"


def backfill_advised(words: str) -> str:
    """The backquoted `db.backfill WORDS` command (or its `python -m` form) acting on the
    tenant bound, with `--tenants NAME`; on DATABASE_URL's own database with none bound."""
    tenants = bound_tenant_options("--tenants")
    return advised(f"db.backfill {words}{tenants}", f"backfill {words}{tenants}")


def tenants_instead(words: str) -> str:
    """In a service with tenants, where none is bound: what says the backfills are the
    tenants' and names `db.backfill WORDS --all-tenants` ("; this service has tenants ...");
    else "". DATABASE_URL's own database is no tenant, and a tenant run never migrates it."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._tenancy import bound_tenant

    callable_name = active_steward().tenants
    if callable_name is None or bound_tenant() is not None:
        return ""
    command = advised(f"db.backfill {words} --all-tenants", f"backfill {words} --all-tenants")
    return (
        f"; this service has tenants ({callable_name} lists them), each with backfills of its"
        f" own: {command} acts on theirs (or `--tenants NAME`)"
    )


def upgrade_advised(revision: str) -> str:
    """The backquoted upgrade to ``revision`` of the tenant bound (or the database)."""
    tenants = bound_tenant_options("--tenants")
    return advised(f"db.upgrade -r {revision}{tenants}", f"upgrade {revision}{tenants}")
