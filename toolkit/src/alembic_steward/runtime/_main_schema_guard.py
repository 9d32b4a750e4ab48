"""The check every main-database connection of a PostgreSQL service with schema tenants makes
(runtime/_main_schema.py), hooked on its engines; light to import: a service's start-up check
imports no Alembic unless it has to."""

from __future__ import annotations

from typing import Any


def guard_main_schema(engine: Any) -> None:
    """Check each new connection of ``engine`` made with no tenant bound (the main database's)
    with :func:`check_main_schema`, in a PostgreSQL service with schema tenants."""
    from alembic_steward._wiring import active_steward

    steward = active_steward()
    if engine.dialect.name != "postgresql" or steward.tenants is None:
        return
    if steward.tenancy != "schema" or getattr(engine, GUARDED, False):
        return
    from sqlalchemy import event

    def checked(dbapi_connection: Any, _record: Any) -> None:
        from alembic_steward.runtime._main_schema import check_main_schema
        from alembic_steward.runtime._tenancy import bound_tenant

        if bound_tenant() is None:
            check_main_schema(dbapi_connection)

    event.listen(engine, "connect", checked)
    setattr(engine, GUARDED, True)


GUARDED = "_alembic_steward_main_schema_guarded"
