"""One engine per MySQL/MariaDB server for a fan-out worker's database tenants.

An engine of its own for each tenant database set its dialect up again on its first connection
(six queries: the server's version, sql_mode, isolation level, ...) and compiled every
statement again (SQLAlchemy's compiled-statement cache is the engine's): paid once per tenant
where PostgreSQL's schemas, one database, share one engine. Each tenant's engine here is a view
of one engine of the server (SQLAlchemy's OptionEngine: its dialect, its compiled statements,
its events and waits), whose ``url`` is the tenant's, and whose every connection is made to
the tenant's database, with the dialect's default schema set to it (it names the migration
lock, runtime/_migration_lock_mysql.py, and the tables that reflection reads).

Each connection is still one of its own (NullPool), made with the tenant's database in its
connect arguments: nothing is switched with USE on a live session. The dialect's default schema
is the last connected tenant's, which a process that runs one tenant at a time (a fan-out
worker, `tenant-create`) never mixes up.
"""

from __future__ import annotations

import contextvars
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine.base import OptionEngine

if TYPE_CHECKING:
    from sqlalchemy import URL, Engine
    from sqlalchemy.pool import PoolProxiedConnection

    from alembic_steward.runtime._timeouts import Timeouts

# The database the connection being made is for, set while a tenant's engine connects.
connecting_to: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "alembic_steward_tenant_database", default=None
)


def shares_server_engine(url: URL, tenancy: str) -> bool:
    """Whether ``url``'s tenants use one engine of their server: MySQL/MariaDB databases."""
    return tenancy == "database" and url.get_backend_name() == "mysql"


def tenant_database_engine(url: URL, *, reading: bool = False) -> Engine:
    """The engine of the tenant database ``url`` names, a view of its server's engine."""
    from alembic_steward.runtime._bounded_waits import BOUNDED
    from alembic_steward.runtime._timeouts import read_timeouts

    # URL.set() takes None for "unchanged": the named tuple's own _replace clears it. Kept per
    # timeouts too: the engine bounds its connections' waits with those it was made under.
    server = server_engine(url._replace(database=None), read_timeouts(), reading=reading)
    engine = TenantDatabaseEngine(server, {})
    engine.url = url
    # Its server's engine bounds every connection's waits already: not again on this view.
    setattr(engine, BOUNDED, True)
    return engine


@lru_cache(maxsize=2)
def server_engine(server_url: URL, timeouts: Timeouts, *, reading: bool = False) -> Engine:
    """The one engine of the server at ``server_url`` (no database), set up as env.py's own
    under ``timeouts``; each connection goes to the database its tenant's engine names."""
    from alembic_steward.runtime._env import migration_engine, reading_engine

    made = reading_engine if reading else migration_engine
    return made(server_url, to_tenant_database)


def to_tenant_database(_dialect: Any, _record: Any, _cargs: Any, cparams: dict) -> None:
    """A ``do_connect`` listener: connect to the database a tenant's engine connects to."""
    database = connecting_to.get()
    if database is not None:
        cparams["database"] = database


class TenantDatabaseEngine(OptionEngine):
    """Its server's engine, connecting to the database of its own ``url``."""

    def raw_connection(self) -> PoolProxiedConnection:
        token = connecting_to.set(self.url.database)
        try:
            connection = super().raw_connection()
        finally:
            connecting_to.reset(token)
        # Read by reflection (has_table's DESCRIBE) and the migration lock's name: set up once
        # from the first tenant's session, it must name this one's.
        self.dialect.default_schema_name = self.url.database
        return connection


# Its own `execution_options()` views (an AUTOCOMMIT one) connect to its database as well.
TenantDatabaseEngine._option_cls = TenantDatabaseEngine


def forget_server_engines() -> None:
    """Drop the engines kept (a forked worker must not use its parent's)."""
    server_engine.cache_clear()
