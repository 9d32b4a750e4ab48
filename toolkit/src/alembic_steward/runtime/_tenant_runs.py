"""One tenant's run, as a fan-out worker process does it: read where it is, migrate, report.

Every function here runs inside a worker (or in-process for `tenant-create`) with the tenant
bound (runtime/_tenancy.py), so the ordinary env.py run migrates that tenant alone. Nothing
raises out of :func:`run_tenant`: a failure becomes a :class:`TenantOutcome` whose ``detail``
is the same one line `python -m app.migrations upgrade` prints.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic_steward.runtime._tenancy import Tenant, TenantError, bind_tenant, tenant_url

ACTIONS = ("upgrade", "downgrade", "status", "check")


@dataclass
class TenantOutcome:
    """How one tenant's run ended.

    ``outcome`` is one of: upgraded, downgraded, at head (nothing to do, not run), not at head
    (status), failed, not run (a canary failed first). ``before``/``after`` are the revisions
    read from the tenant's version table ("base" for none), ``seconds`` the run's wall time.
    """

    tenant: str
    outcome: str
    before: str = ""
    after: str = ""
    seconds: float = 0.0
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome in ("failed", "not run")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def shown(revisions: tuple[str, ...] | None) -> str:
    """Revisions as the report shows them: "base" for none, "?" when they could not be read."""
    if revisions is None:
        return "?"
    return ",".join(sorted(revisions)) or "base"


def prepare_worker(package: str) -> None:
    """A worker's start: import the service's wiring (already there in a forked worker).

    A forked worker also inherits the parent's engines, whose pooled connections (the
    tenants callable may have used one) are the parent's sockets: SQLAlchemy's recipe for
    fork drops them from the child's pools without closing them under the parent.
    """
    import gc
    import importlib

    from sqlalchemy.engine import Engine

    importlib.import_module(package)
    for engine in [obj for obj in gc.get_objects() if isinstance(obj, Engine)]:
        engine.dispose(close=False)


@cache
def code_heads(versions_dir: Path) -> tuple[str, ...]:
    """The heads of the revision history, read once per worker process."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    return tuple(sorted(ScriptDirectory.from_config(build_alembic_config()).get_heads()))


def tenant_revisions(tenant: Tenant) -> tuple[str, ...]:
    """Read ``tenant``'s version table; raise TenantError when the tenant does not exist."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool, text
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings

    url = tenant_url(make_url(get_settings().blocking_database_url), tenant)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        raise TenantError(
            f"the tenant {tenant.name!r} has no database file ({url.database}); create it with"
            f" tenant-create {tenant.name}"
        )
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with connected_to_tenant(engine, tenant) as connection:
            if tenant.schema is not None:
                exists = connection.scalar(
                    text("SELECT 1 FROM pg_namespace WHERE nspname = :name"),
                    {"name": tenant.schema},
                )
                if not exists:
                    raise TenantError(
                        f"the tenant {tenant.name!r} has no schema in this database; create it"
                        f" with tenant-create {tenant.name}"
                    )
            options = {"version_table_schema": tenant.schema} if tenant.schema else {}
            return tuple(MigrationContext.configure(connection, opts=options).get_current_heads())
    finally:
        engine.dispose()


@contextlib.contextmanager
def connected_to_tenant(engine: Any, tenant: Tenant) -> Iterator[Any]:
    """``engine.connect()``; a tenant database that does not exist is said so (TenantError)."""
    from sqlalchemy.exc import OperationalError

    from alembic_steward.runtime._server_databases import database_exists

    try:
        connection = engine.connect()
    except OperationalError:
        # Asked only once connecting failed: the server's own reason stands otherwise.
        if tenant.schema is None and not database_exists(engine.url):
            raise TenantError(
                f"the tenant {tenant.name!r} has no database on this server; create it with"
                f" tenant-create {tenant.name}"
            ) from None
        raise
    with connection:
        yield connection


def run_tenant(tenant: Tenant, action: str, revision: str) -> TenantOutcome:
    """Run ``action`` (upgrade, downgrade, status) to ``revision`` on ``tenant``; never raises.

    An upgrade to head of a tenant already at head runs nothing (no env.py, no lock): a rerun
    after a partial failure touches only the tenants still behind.
    """
    started = time.monotonic()
    before: tuple[str, ...] | None = None
    # Alembic's and env.py's own lines would interleave across workers: the report says it all.
    captured = io.StringIO()
    bind_tenant(tenant)
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            before = tenant_revisions(tenant)
            outcome = run_action(tenant, action, revision, before)
    except Exception as error:  # noqa: BLE001 - one tenant's failure is a row of the report
        from alembic_steward.runtime._deploy import failure_line

        outcome = TenantOutcome(tenant.name, "failed", shown(before), detail=failure_line(error))
        with contextlib.suppress(Exception):
            outcome.after = shown(tenant_revisions(tenant))
    finally:
        bind_tenant(None)
    outcome.seconds = round(time.monotonic() - started, 3)
    return outcome


def run_action(
    tenant: Tenant, action: str, revision: str, before: tuple[str, ...]
) -> TenantOutcome:
    from alembic import command

    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._config import build_alembic_config

    heads = code_heads(active_steward().versions_dir)
    at_head = tuple(sorted(before)) == heads
    if action == "check" and at_head:
        return check_tenant(tenant, before)
    if action in ("status", "check") or (action == "upgrade" and revision == "head" and at_head):
        outcome = "at head" if at_head else "not at head"
        return TenantOutcome(tenant.name, outcome, shown(before), shown(before))
    config = build_alembic_config(quiet=True)
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)
    after = tenant_revisions(tenant)
    done = "upgraded" if action == "upgrade" else "downgraded"
    return TenantOutcome(tenant.name, done, shown(before), shown(after))


def check_tenant(tenant: Tenant, current: tuple[str, ...]) -> TenantOutcome:
    """Compare a tenant at head with the models, as `inv db.check` does the app's database."""
    from alembic_steward.inspection._catalog_drift import read_drift
    from alembic_steward.runtime._tenancy import bound_tenant_engine

    engine = bound_tenant_engine()
    if engine is None:
        raise TenantError("no tenant is bound in this process")
    try:
        with engine.connect() as connection:
            drift = read_drift(connection, list(current), sides=False).models
    finally:
        engine.dispose()
    lines = [*drift.written, *drift.by_hand]
    if not lines:
        return TenantOutcome(tenant.name, "no drift", shown(current), shown(current))
    return TenantOutcome(
        tenant.name, "drift", shown(current), shown(current), detail="; ".join(lines)
    )
