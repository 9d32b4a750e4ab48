"""Tenants: which ones exist, which one this process migrates, and where its tables live.

A tenant is a PostgreSQL schema in the database DATABASE_URL names (``schema`` tenancy) or a
database on that server (``database`` tenancy; for SQLite a file beside DATABASE_URL's,
``<stem>_<tenant><suffix>``). A process migrates one tenant at a time: the fan-out's workers
bind it here (:func:`bind_tenant`), and raw ``alembic -x tenant=NAME upgrade head`` binds it
through the ``-x`` argument; env.py's toolkit calls then read the binding (the URL, the version
table's schema, the search_path, the lock key), so env.py itself needs no tenant code.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic.util import CommandError

if TYPE_CHECKING:
    from sqlalchemy import URL, Engine

TENANCIES = ("schema", "database")
# PostgreSQL and MariaDB both cap identifiers at 63/64 characters; the lower one fits both.
TENANT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class TenantError(CommandError):
    """A tenant name, list or tenancy the run cannot use; its message is one line."""


class TenantMissing(TenantError):
    """The tenant has no schema, database or file to migrate: `tenant-create` makes one."""


@dataclass(frozen=True)
class Tenant:
    """One tenant: its ``name`` (a schema or database name) and its ``tenancy``."""

    name: str
    tenancy: str

    @property
    def schema(self) -> str | None:
        """The schema its tables live in, or None when it is a database of its own."""
        return self.name if self.tenancy == "schema" else None


# The tenant this process migrates now, set by a fan-out worker or `tenant-create`.
_bound: list[Tenant] = []


def bind_tenant(tenant: Tenant | None) -> None:
    """Make ``tenant`` the one this process's migration runs work on (None: the app's own)."""
    _bound[:] = [tenant] if tenant is not None else []


@contextlib.contextmanager
def tenant_unbound() -> Iterator[None]:
    """Bind no tenant for the block, then the one bound before: a scratch database built to
    compare a tenant with is nobody's tenant, and its env.py run must not look for one."""
    before = list(_bound)
    _bound[:] = []
    try:
        yield
    finally:
        _bound[:] = before


def bound_tenant() -> Tenant | None:
    """The tenant bound in this process, else one named by ``alembic -x tenant=NAME``."""
    if _bound:
        return _bound[0]
    from alembic import context

    # Only inside env.py does Alembic's `context` proxy have an environment to ask.
    if getattr(context, "_proxy", None) is None:
        return None
    named = context.get_x_argument(as_dictionary=True)
    if "tenant" not in named:
        return None
    tenancy = checked_tenancy(named.get("tenancy") or configured_tenancy())
    return x_argument_tenant(checked_name(named["tenant"], "-x tenant="), tenancy)


@functools.lru_cache(maxsize=4)
def x_argument_tenant(name: str, tenancy: str) -> Tenant:
    """The tenant ``alembic -x tenant=NAME`` names, checked once per process (every connection
    of the run asks): TenantError for a name that is not a tenant, as --tenants refuses it.

    `-x tenant=information_schema` would migrate the catalog; a typo would make (SQLite) or
    miss (PostgreSQL, MariaDB) a database: a new tenant is made by `tenant-create` alone."""
    from alembic_steward.runtime._tenant_names import check_listed, check_never_a_tenant

    check_never_a_tenant([name], tenancy, "-x tenant= on the command line")
    check_listed([name], "-x tenant=")
    return Tenant(name, tenancy)


def configured_tenancy() -> str:
    from alembic_steward._wiring import active_steward

    return active_steward().tenancy


def checked_tenancy(tenancy: str) -> str:
    """Return ``tenancy`` if it is one of TENANCIES; else raise TenantError."""
    if tenancy not in TENANCIES:
        raise TenantError(
            f"the tenancy {tenancy!r} is unknown; use --tenancy schema or --tenancy database;"
            " nothing was run"
        )
    return tenancy


def checked_name(name: str, source: str) -> str:
    """Return ``name`` if it is a plain identifier; else raise TenantError naming ``source``."""
    if not TENANT_NAME.fullmatch(name):
        # "a b" is two names given the shell's way: the list takes commas.
        commas = "; separate names with commas (`--tenants a,b`)" if " " in name.strip() else ""
        raise TenantError(
            f"the tenant name {name!r} (from {source}) is not a plain identifier (letters,"
            f" digits and _, not starting with a digit, at most 63 characters){commas}; fix it"
            " there; nothing was run"
        )
    return name


def parse_tenant_names(names: Iterable[str], source: str, *, allow_none: bool = False) -> list[str]:
    """Check each name, drop repeats and blanks; return them sorted. Raises TenantError,
    also for two names equal but for case, and for no name at all unless ``allow_none`` (a
    new service has no tenant yet)."""
    from alembic_steward.runtime._tenant_lists import refuse_case_twins

    checked = sorted({checked_name(name.strip(), source) for name in names if name.strip()})
    if not checked and not allow_none:
        raise TenantError(f"{source} names no tenant; nothing was run")
    refuse_case_twins(checked, source)
    return checked


def declared_tenants() -> list[str]:
    """Call the wiring's ``tenants`` callable; return its names, checked and sorted
    (runtime/_tenant_lists.py)."""
    from alembic_steward.runtime._tenant_lists import listed_tenants

    return listed_tenants()


def parse_shard(shard: str) -> tuple[int, int]:
    """Parse ``"i/n"`` (0 <= i < n) into ``(i, n)``; raise TenantError otherwise."""
    index, _, count = shard.partition("/")
    try:
        parsed = int(index), int(count)
    except ValueError:
        parsed = (-1, 0)
    if not 0 <= parsed[0] < parsed[1]:
        raise TenantError(
            f"--shard {shard!r} is not INDEX/COUNT with 0 <= INDEX < COUNT (e.g. 0/4, or"
            " $JOB_COMPLETION_INDEX/4 in a Kubernetes Indexed Job); nothing was run"
        )
    return parsed


def in_shard(names: Sequence[str], shard: tuple[int, int] | None) -> list[str]:
    """The names shard ``(index, count)`` owns, in their order; all of them for None.

    The names sorted, dealt round-robin: the shards differ in size by one tenant at most, and
    every pod that read the same tenants deals them alike, in whatever order it listed them.
    A tenant added between two pods' listings shifts the later names by one place, so one
    tenant may be run by two pods (its lock makes the second wait, then find it at head) and
    another by none: docs/decisions.md, "Shards by position in the sorted list".
    """
    if shard is None:
        return list(names)
    index, count = shard
    position = {name: place for place, name in enumerate(sorted(set(names)))}
    return [name for name in names if position[name] % count == index]


def tenant_url(url: URL, tenant: Tenant) -> URL:
    """The URL a migration of ``tenant`` connects to: ``url`` itself for a schema tenant."""
    if tenant.tenancy == "schema":
        if url.get_backend_name() != "postgresql":
            raise TenantError(
                f"schema tenancy needs PostgreSQL, and DATABASE_URL names a"
                f" {url.get_backend_name()} database; use --tenancy database (a database per"
                " tenant); nothing was run"
            )
        return url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise TenantError(
                "database tenancy on SQLite needs DATABASE_URL to name a file (tenants are"
                " files beside it); nothing was run"
            )
        main = Path(url.database)
        return url.set(database=str(main.with_name(f"{main.stem}_{tenant.name}{main.suffix}")))
    return url.set(database=tenant.name)


def bound_url(url: str) -> str:
    """``url`` moved to the bound tenant's database, or unchanged with none bound."""
    tenant = bound_tenant()
    if tenant is None:
        return url
    from sqlalchemy.engine import make_url

    return tenant_url(make_url(url), tenant).render_as_string(hide_password=False)


def bind_engine_to_schema(engine: Engine) -> None:
    """Make every connection of ``engine`` work in the bound tenant's schema, if any.

    Alembic's multi-tenant cookbook recipe: the session's search_path is the tenant's schema
    alone, so unqualified DDL, raw SQL and the bookkeeping tables all land there, and the
    dialect reflects in that schema. The version table's schema is also set explicitly
    (:func:`tenant_context_options`) so a migration that changes search_path cannot move it.
    """
    tenant = bound_tenant()
    if tenant is None or tenant.schema is None or getattr(engine, SCHEMA_BOUND, False):
        return
    from sqlalchemy import event

    def set_search_path(dbapi_connection: Any, _record: Any) -> None:
        # The tenant bound when the connection is made: a fan-out worker reaches each schema
        # of the database through one engine.
        tenant = bound_tenant()
        if tenant is None or tenant.schema is None:
            return
        from alembic_steward.runtime._session_statements import session_statement

        session_statement(dbapi_connection, f'SET search_path TO "{tenant.schema}"')
        # The dialect read current_schema() once, before this handler ran.
        engine.dialect.default_schema_name = tenant.schema

    event.listen(engine, "connect", set_search_path)
    setattr(engine, SCHEMA_BOUND, True)


SCHEMA_BOUND = "_alembic_steward_schema_bound"


def bound_tenant_engine() -> Engine | None:
    """A blocking engine on the bound tenant (its database, its schema), or None unbound.

    For code that reads the database afresh after a run, where the app's own engine would
    read the app's database instead of the tenant's. The caller disposes of it.
    """
    tenant = bound_tenant()
    if tenant is None:
        return None
    from sqlalchemy import create_engine, pool
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings

    url = tenant_url(make_url(get_settings().blocking_database_url), tenant)
    engine = create_engine(url, poolclass=pool.NullPool)
    bind_engine_to_schema(engine)
    return engine


def tenant_context_options() -> dict[str, Any]:
    """``context.configure`` options for the bound tenant: its schema's version table."""
    tenant = bound_tenant()
    if tenant is None or tenant.schema is None:
        return {}
    return {"version_table_schema": tenant.schema}
