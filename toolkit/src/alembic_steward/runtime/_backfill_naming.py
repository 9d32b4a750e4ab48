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


def upgrade_advised(revision: str) -> str:
    """The backquoted upgrade to ``revision`` of the tenant bound (or the database)."""
    tenants = bound_tenant_options("--tenants")
    return advised(f"db.upgrade -r {revision}{tenants}", f"upgrade {revision}{tenants}")
