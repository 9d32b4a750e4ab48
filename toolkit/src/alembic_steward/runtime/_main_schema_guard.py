"""The check every main-database connection of a PostgreSQL service with schema tenants makes
(runtime/_main_schema.py), hooked on its engines; light to import: a service's start-up check
imports no Alembic unless it has to."""

from __future__ import annotations

from contextvars import ContextVar
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

    def checked(dbapi_connection: Any, record: Any) -> None:
        from alembic_steward.runtime._main_schema import check_main_schema
        from alembic_steward.runtime._tenancy import bound_tenant

        if bound_tenant() is None:
            check_main_schema(dbapi_connection, record.info)

    cleared: list[bool] = []  # once its schema is found not listed: an engine has one URL

    def not_listed(connection: Any) -> None:
        # Here, not in "connect": the tenants callable may read the app's table through this
        # engine, which the pool's connect event would wait for for ever; and not for the
        # connections the callable makes (CHECKING), nor a tenant's.
        from alembic_steward.runtime._main_schema import SEARCH_PATH_READ, refuse_listed_main_schema
        from alembic_steward.runtime._tenancy import bound_tenant

        read = connection.info.get(SEARCH_PATH_READ)
        if cleared or read is None or CHECKING.get() or bound_tenant() is not None:
            return
        token = CHECKING.set(True)
        try:
            refuse_listed_main_schema(read)
        finally:
            CHECKING.reset(token)
        cleared.append(True)

    event.listen(engine, "connect", checked)
    event.listen(engine, "engine_connect", not_listed)
    setattr(engine, GUARDED, True)


GUARDED = "_alembic_steward_main_schema_guarded"
# Set while the tenants callable is asked: its own connections are not checked again.
CHECKING: ContextVar[bool] = ContextVar("alembic_steward_checking_main_schema", default=False)
