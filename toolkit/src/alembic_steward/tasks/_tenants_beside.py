"""The tenants beside the service's own database, for `db.drop` and `db.reset` to say what
they did to them: a schema tenant goes with the database that holds it, a database tenant
(a MariaDB database, a SQLite file) is left, and neither task said so.

Read before the drop (a dropped schema cannot be counted after), from the catalog: the
tenants the wiring's callable lists that exist now. A callable that fails, or a service
without tenants, gives no line: the drop itself must not fail for a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


@dataclass(frozen=True)
class TenantsBeside:
    tenancy: str
    names: list[str]
    sqlite: bool = False

    @property
    def kind(self) -> str:
        """ "tenant schema(s)", "tenant database(s)", "tenant database file(s)"."""
        if self.tenancy == "schema":
            noun = "schema"
        else:
            noun = "database file" if self.sqlite else "database"
        return f"tenant {noun}{'' if len(self.names) == 1 else 's'}"

    def listed(self) -> str:
        from alembic_steward.runtime._tenant_reports import first_named

        return f"{len(self.names)} {self.kind} ({first_named(self.names)})"


def tenants_beside(url: URL) -> TenantsBeside | None:
    """The tenants of ``url``'s service that exist now, or None (no tenants declared, none
    exists, or they could not be listed)."""
    from alembic_steward._wiring import active_steward

    steward = active_steward()
    if steward.tenants is None:
        return None
    try:
        names = existing_tenants(url, steward.tenancy)
    except Exception:  # noqa: BLE001 - a note, never a reason for the drop to fail
        return None
    if not names:
        return None
    return TenantsBeside(steward.tenancy, names, url.get_backend_name() == "sqlite")


def existing_tenants(url: URL, tenancy: str) -> list[str]:
    from sqlalchemy import create_engine, pool, text

    from alembic_steward.runtime._server_databases import database_exists
    from alembic_steward.runtime._tenancy import Tenant, tenant_url
    from alembic_steward.runtime._tenant_lists import listed_tenants

    listed = listed_tenants()
    if tenancy != "schema":
        return [name for name in listed if database_exists(tenant_url(url, Tenant(name, tenancy)))]
    if url.get_backend_name() != "postgresql":
        return []
    # Its own engine, disposed of at once: a pooled session would keep the database in use.
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            present = set(connection.execute(text("SELECT nspname FROM pg_namespace")).scalars())
    finally:
        engine.dispose()
    return [name for name in listed if name in present]


def after_drop(beside: TenantsBeside | None) -> str:
    """What `db.drop` adds about the tenants, or ""."""
    if beside is None:
        return ""
    if beside.tenancy == "schema":
        return f"With it went its {beside.listed()}."
    how = "delete the files" if beside.sqlite else "drop them with the database's own client"
    return (
        f"Left the {beside.listed()} as they are: `inv db.drop` drops only DATABASE_URL's"
        f" database, and no task drops a tenant's; {how} if they should go too."
    )


def after_reset(beside: TenantsBeside | None) -> str:
    """What `db.reset` adds about the tenants, or ""."""
    if beside is None:
        return ""
    return (
        f"Left the {beside.listed()} as they are: `inv db.reset` empties only DATABASE_URL's"
        " own tables."
    )
