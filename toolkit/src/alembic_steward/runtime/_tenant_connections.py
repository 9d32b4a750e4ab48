"""A tenant's connection: made as env.py makes its own, in the tenant's schema or database.

One connection serves a tenant's whole run in a fan-out worker: the version table read before,
the migrations (Alembic's "sharing a connection" recipe), and the read after; the migration
lock still has its own session (runtime/_lock.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._tenancy import (
    Tenant,
    TenantMissing,
    configured_tenancy,
    tenant_url,
)

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection, Engine


@contextlib.contextmanager
def tenant_connection(
    tenant: Tenant, *, reading: bool = False, outcome: str = "nothing was migrated"
) -> Iterator[Connection]:
    """One connection to ``tenant``; TenantError when it has no database (file) to connect to.

    ``reading``: for a status or a check, which only read. A migration's connection begins each
    SQLite transaction with BEGIN IMMEDIATE, which waits for a running migration's write lock:
    a reading one must see at once that a migration runs (runtime/_running_migration.py).
    ``outcome``: what a server that cannot be reached leaves undone, as the line ends it (a
    status says what was not read: "nothing was migrated" would be news of no use)."""
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings

    url = tenant_url(make_url(get_settings().blocking_database_url), tenant)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        raise TenantMissing(
            f"the tenant {tenant.name!r} has no database file ({url.database}); create it with"
            f" {create_command(tenant)}"
        )
    from alembic_steward.runtime._lock_waits import SESSION_ENDS_AFTER_RUN

    engine = tenants_engine(url, tenant.tenancy, reading=reading)
    with (
        damaged_tenant_file_named(tenant, url),
        connected_to_tenant(engine, tenant, outcome) as connection,
    ):
        # Closed once the tenant's run and its read after are done (its engine keeps none).
        connection.info[SESSION_ENDS_AFTER_RUN] = True
        yield connection
        if connection.dialect.name != "sqlite":
            # Its session ends with it: the reset a close sends first (a ROLLBACK of what
            # nobody will use) would be a round trip a tenant, as for the marks' connection.
            connection.invalidate()


@contextlib.contextmanager
def damaged_tenant_file_named(tenant: Tenant, url: URL) -> Iterator[None]:
    """Turn SQLite's "file is not a database" in the tenant's run into a line naming its file,
    what to do, and the command that makes the tenant afresh."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.runtime._connecting import command_error
    from alembic_steward.runtime._damaged_sqlite import damaged_sqlite_line

    try:
        yield
    except DBAPIError as error:
        damaged = damaged_sqlite_line(error, url)
        if damaged is None:
            raise
        raise command_error(
            f"{damaged}; once it is moved aside, {create_command(tenant)} makes the tenant afresh"
        ) from None


def tenants_engine(url: URL, tenancy: str, *, reading: bool = False) -> Engine:
    """The engine of the tenant at ``url``: one for all the schemas of a database, and one
    for all the MySQL/MariaDB databases of a server (runtime/_tenant_database_engines.py), so
    its dialect is set up once, not for each tenant (each run still has connections of its
    own, made as env.py makes its own); ``reading``, one whose SQLite transactions are plain."""
    from alembic_steward.runtime._tenant_database_engines import (
        shares_server_engine,
        tenant_database_engine,
    )

    if shares_server_engine(url, tenancy):
        return tenant_database_engine(url, reading=reading)
    return engine_at(url, reading=reading)


@lru_cache(maxsize=2)
def engine_at(url: URL, *, reading: bool = False) -> Engine:
    """The engine of the tenants at ``url`` (its schemas; a SQLite file), made as env.py's."""
    from alembic_steward.runtime._env import migration_engine, reading_engine

    return reading_engine(url) if reading else migration_engine(url)


def forget_tenant_engines() -> None:
    """Drop every engine kept: a forked worker's would be its parent's, sockets and all, and
    its sessions would carry the parent's process id as their name."""
    from alembic_steward.runtime._tenant_database_engines import forget_server_engines

    engine_at.cache_clear()
    forget_server_engines()


def read_revisions(connection: Connection, tenant: Tenant) -> tuple[str, ...]:
    """Read ``tenant``'s version table on ``connection``, leaving no transaction open; raise
    TenantError when its schema does not exist."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    options = {"version_table_schema": tenant.schema} if tenant.schema else {}
    try:
        current = tuple(MigrationContext.configure(connection, opts=options).get_current_heads())
        # A schema with a version table exists: only one without is looked for.
        if not current and tenant.schema is not None:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :name"), {"name": tenant.schema}
            )
            if not exists:
                raise TenantMissing(
                    f"the tenant {tenant.name!r} has no schema in this database;"
                    f" {missing_schema_advice(connection, tenant)}"
                )
    finally:
        # Alembic must find the connection outside any transaction, as env.py's own would be.
        connection.rollback()
    return current


def read_revisions_after_run(connection: Connection, tenant: Tenant) -> tuple[str, ...]:
    """As :func:`read_revisions`, after a run that applied migrations, so made the version
    table: read at once, without asking the catalog first (a round trip a tenant less)."""
    from sqlalchemy import column, select, table
    from sqlalchemy.exc import DBAPIError

    versions = table("alembic_version", column("version_num"), schema=tenant.schema)
    try:
        return tuple(connection.scalars(select(versions.c.version_num)))
    except DBAPIError:
        connection.rollback()
        return read_revisions(connection, tenant)  # gone meanwhile: say so as before
    finally:
        if connection.in_transaction():
            connection.rollback()


def tenant_revisions(tenant: Tenant) -> tuple[str, ...]:
    """Read ``tenant``'s version table on a connection of its own."""
    with tenant_connection(tenant) as connection:
        return read_revisions(connection, tenant)


@contextlib.contextmanager
def connected_to_tenant(
    engine: Any, tenant: Tenant, outcome: str = "nothing was migrated"
) -> Iterator[Any]:
    """``engine.connect()``; a tenant database that does not exist is said so (TenantError),
    a server that cannot be reached with ``outcome`` (what was left undone) at the end."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from alembic_steward.runtime._connecting import unreachable
    from alembic_steward.runtime._server_databases import database_exists

    try:
        connection = engine.connect()
    except OperationalError as error:
        # Asked only once connecting failed: the server's own reason stands otherwise.
        try:
            missing = tenant.schema is None and not database_exists(engine.url)
        except DBAPIError:
            missing = False  # the server itself cannot be reached
        if missing:
            raise TenantMissing(
                f"the tenant {tenant.name!r} has no database on this server;"
                f"{other_tenancy_hint(tenant)} create it with {create_command(tenant)}"
            ) from None
        raise unreachable(error, engine.url, outcome=outcome) from None
    with connection:
        yield connection


def tenant_exists(tenant: Tenant) -> bool:
    """Whether ``tenant``'s schema or database exists now (read on a connection of its own
    to DATABASE_URL's server; raises when that cannot be read)."""
    from sqlalchemy import create_engine, pool, text
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._server_databases import database_exists

    url = make_url(get_settings().blocking_database_url)
    if tenant.schema is None:
        return database_exists(tenant_url(url, tenant))
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            query = text("SELECT 1 FROM pg_namespace WHERE nspname = :name")
            return connection.scalar(query, {"name": tenant.schema}) is not None
    finally:
        engine.dispose()


def missing_schema_advice(connection: Connection, tenant: Tenant) -> str:
    """What to do about ``tenant``'s missing schema: where a database of its name is on the
    server, `--tenancy database` was left out (tenant-create would make a second tenant, a
    schema, beside it); else create it. Asked only of a tenant found missing."""
    from sqlalchemy import text

    is_database = connection.scalar(
        text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": tenant.name}
    )
    if is_database:
        # As other_tenancy_hint words the opposite slip: the way to the tenancy that fits.
        fix = (
            "add `--tenancy database`"
            if configured_tenancy() == "schema"
            else "leave out `--tenancy schema` (the wiring's tenancy is database)"
        )
        return f"it is a database on this server: {fix}"
    return f"{other_tenancy_hint(tenant)} create it with {create_command(tenant)}".lstrip()


def other_tenancy_hint(tenant: Tenant) -> str:
    """For a tenant looked for under a --tenancy other than the wiring's (a slip, more often
    than a second kind of tenant): the way back, ending in "else"; "" otherwise."""
    configured = configured_tenancy()
    if tenant.tenancy == configured:
        return ""
    return (
        f" the wiring's tenancy is {configured}: if {tenant.name!r} is a {configured}, leave out"
        f" `--tenancy {tenant.tenancy}`; else"
    )


def create_command(tenant: Tenant) -> str:
    """The command that creates ``tenant``, as it runs where the advice is read, backquoted."""
    from alembic_steward.runtime._advice import advised

    tenancy = f" --tenancy {tenant.tenancy}" if tenant.tenancy != configured_tenancy() else ""
    words = f"tenant-create {tenant.name}{tenancy}"
    return advised(f"db.{words}", words)
