"""One tenant's run, as a fan-out worker process does it: read where it is, migrate, report.

Every function here runs inside a worker (or in-process for `tenant-create`) with the tenant
bound (runtime/_tenancy.py), so the ordinary env.py run migrates that tenant alone. Nothing
raises out of :func:`run_tenant`: a failure becomes a :class:`TenantOutcome` whose ``detail``
is the same one line `python -m app.migrations upgrade` prints.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._tenancy import Tenant, TenantError, TenantMissing, bind_tenant
from alembic_steward.runtime._tenant_connections import (
    forget_tenant_engines,
    read_revisions,
    read_revisions_after_run,
    tenant_connection,
    tenant_revisions,
)
from alembic_steward.runtime._tenant_outcome_names import FAILED_OUTCOMES, TenantOutcomeName

if TYPE_CHECKING:
    from collections.abc import Callable

    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.runtime._backfill_summaries import BackfillSummary

ACTIONS = ("upgrade", "downgrade", "status", "check")
# Actions that only read: they must not wait for a running migration's lock (they say it runs).
READ_ONLY_ACTIONS = ("status", "check")
# What a tenant whose server cannot be reached was left without, as its row's line ends.
UNREACHED = {"status": "its status was not read", "check": "it was not read, so not compared"}


@dataclass
class TenantOutcome:
    """How one tenant's run ended.

    ``outcome`` is one of: upgraded, downgraded, leftovers (downgraded, but the tenant holds what
    its target does not build: runtime/_tenant_downgrade_results.py), at head (nothing to do, not
    run, or a concurrent run did it), at target (a concurrent run brought it to a target below
    head), expand done (`--phase expand` with only contract revisions pending: not run), a status
    row's state (pending, half-applied, database differs, ...: runtime/_tenant_status.py), no drift
    and drift (check; a tenant it cannot compare has its status row's), failed, unreachable (its
    server could not be reached), not run (a canary failed first, or a signal came before it
    started), stopped (a signal stopped it part-way: ``detail`` says the state it left), refused (a
    downgrade of a tenant whose own record names a protected environment, without --yes: nothing
    ran), below target (a downgrade to a revision the tenant is not past: nothing to do), held (a
    backfill another runner holds: nothing ran, nothing to fix). ``before``/``after`` are the
    revisions read from the tenant's version table ("base" for none), ``seconds`` the run's wall
    time (None: it never started), ``detail`` the failure's one line, or the contract revision
    pending.
    """

    tenant: str
    outcome: str
    before: str = ""
    after: str = ""
    # None for a tenant that never started, or whose run's time nobody measured.
    seconds: float | None = None
    detail: str = ""
    # The code the command gives this tenant's database alone: `inv db.status`'s for a status
    # row (runtime/_tenant_exit_codes.py); None for a tenant that never started.
    exit_code: int | None = None
    # Status and check, when the tenant is not what its revision builds, and a downgrade's
    # leftovers: each difference, as `inv db.status` (`inv db.downgrade`) prints them for one
    # database ("differences above" in its advice).
    differences: list[str] | None = None
    # Status only: each unfinished backfill, its fields and its line (``text``), as `inv
    # db.status` lists them (runtime/_backfill_summaries.py).
    unfinished_backfills: list[BackfillSummary] | None = None
    # A stopped row: whether its database, read after the stop, shows work left part-way (a
    # half-applied mark, a migration's own commit, leftovers) or could not be read; False for
    # a clean rollback or a stop between migrations. Not in the JSON row: ``detail`` says it.
    left_part_way: bool = True
    # A pending status row whose own upgrade would be refused or fail (a backfill to finish
    # first, a revision that fails on a scratch database, the last upgrade's failure): the
    # closing line must not advise that upgrade. Not in the JSON row: ``detail`` says it.
    upgrade_blocked: bool = False

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED_OUTCOMES

    def as_dict(self) -> dict[str, Any]:
        """The JSON row: a revision not read (the table's "?" or blank) is null, not a word."""
        row = asdict(self)
        del row["left_part_way"]
        del row["upgrade_blocked"]
        for key in ("before", "after"):
            row[key] = row[key] if row[key] not in ("", UNREAD) else None
        return row


# The report's revision when it could not be read (JSON: null).
UNREAD = "?"


def shown(revisions: tuple[str, ...] | None) -> str:
    """Revisions as the report shows them: "base" for none, "?" when they could not be read."""
    if revisions is None:
        return UNREAD
    return ",".join(sorted(revisions)) or "base"


def prepare_worker(package: str, starts: Any = None) -> None:
    """A worker's start: import the service's wiring (already there in a forked worker), and
    send each tenant's revisions read before its run on ``starts``, the writing end of the
    parent's pipe (runtime/_tenant_starts.py).

    A forked worker also inherits the parent's engines, whose pooled connections (the
    tenants callable may have used one) are the parent's sockets: SQLAlchemy's recipe for
    fork drops them from the child's pools without closing them under the parent.
    """
    import gc
    import importlib

    from sqlalchemy.engine import Engine

    from alembic_steward.runtime._tenant_starts import tell_parent_through
    from alembic_steward.runtime._tenant_stops import install_worker_handlers

    install_worker_handlers()
    tell_parent_through(starts)
    importlib.import_module(package)
    for engine in [obj for obj in gc.get_objects() if isinstance(obj, Engine)]:
        engine.dispose(close=False)
    forget_tenant_engines()


def tenant_history() -> ScriptDirectory:
    """This code's revision history, loaded once per process while its files stay unchanged.

    Every tenant runs the same files: loading (and, without cached bytecode, compiling) them
    again for each tenant cost more than a small tenant's migrations.
    """
    from alembic_steward._wiring import active_steward

    return history_of(files_fingerprint(active_steward().versions_dir))


@lru_cache(maxsize=1)
def history_of(fingerprint: tuple[object, ...]) -> ScriptDirectory:
    """The history whose files ``fingerprint`` describes, its revisions loaded."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    script.get_heads()  # loads every revision now: a forked worker inherits them
    return script


def files_fingerprint(folder: Path) -> tuple[object, ...]:
    """``folder``'s files, each with its size and modification time: an edited, added or
    removed revision file changes it (a service that lives on, calling `tenant-create`)."""
    with os.scandir(folder) as entries:
        files = sorted(
            (entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
            for entry in entries
            if entry.is_file()
        )
    return (str(folder), *files)


def run_tenant(
    tenant: Tenant,
    action: str,
    revision: str,
    phase: str | None = None,
    read_before: Callable[[tuple[str, ...]], None] | None = None,
    *,
    confirmed: bool = False,
) -> TenantOutcome:
    """Run ``action`` (upgrade, downgrade, status, check) to ``revision`` on ``tenant``, or
    an upgrade through ``phase`` as `upgrade --phase` does; never raises but for a signal.

    ``read_before`` is given the revisions read before the run: a signal that stops the run
    part-way leaves its worker to report them (runtime/_tenant_stops.py). ``confirmed``:
    the operator passed --yes, so a downgrade runs even where the tenant's own record names a
    protected environment (refused otherwise, as `inv db.downgrade` refuses one database).

    An upgrade of a tenant with nothing to apply runs nothing (no env.py, no lock): a rerun
    after a partial failure touches only the tenants still behind.
    """
    started = time.monotonic()
    before: tuple[str, ...] | None = None
    # Alembic's and env.py's own lines would interleave across workers: the report says it all.
    captured = io.StringIO()
    bind_tenant(tenant)
    try:
        with contextlib.ExitStack() as run:
            run.enter_context(contextlib.redirect_stdout(captured))
            run.enter_context(contextlib.redirect_stderr(captured))
            # One connection for the tenant: the reads before and after, and the run between.
            reading = action in READ_ONLY_ACTIONS
            unreached = UNREACHED.get(action, "nothing was migrated")
            connection = run.enter_context(
                tenant_connection(tenant, reading=reading, outcome=unreached)
            )
            before = read_revisions(connection, tenant)
            if read_before is not None:
                read_before(before)
            request = (action, revision, phase)
            outcome = run_action(tenant, request, before, connection, confirmed=confirmed)
    except Exception as error:  # noqa: BLE001 - one tenant's failure is a row of the report
        from alembic_steward.runtime._connecting import DatabaseUnreachable
        from alembic_steward.runtime._deploy import failure_line

        # Unreachable or refused, nothing ran: when every tenant is, the summary says so of
        # the server.
        failed = TenantOutcomeName.FAILED
        if isinstance(error, DatabaseUnreachable):
            failed = (
                TenantOutcomeName.REFUSED
                if refused_sign_in(error)
                else TenantOutcomeName.UNREACHABLE
            )
        outcome = TenantOutcome(tenant.name, failed, shown(before), detail=failure_line(error))
        if action in READ_ONLY_ACTIONS:
            from alembic_steward.runtime._tenant_status import unread_outcome

            outcome.outcome, outcome.exit_code = unread_outcome(error)
        else:
            from alembic_steward.runtime._tenant_exit_codes import failure_exit_code

            outcome.exit_code = failure_exit_code(error)
        # On a connection of its own: the run's may be what failed.
        with contextlib.suppress(Exception):
            outcome.after = shown(tenant_revisions(tenant))
    finally:
        bind_tenant(None)
    outcome.seconds = round(time.monotonic() - started, 3)
    return outcome


def run_action(
    tenant: Tenant,
    request: tuple[str, str, str | None],
    before: tuple[str, ...],
    connection: Connection,
    *,
    confirmed: bool = False,
) -> TenantOutcome:
    """Run ``request`` (action, revision, phase) on ``tenant``, at ``before``, on ``connection``;
    a downgrade without ``confirmed`` is refused where the tenant's record is protected."""
    from alembic_steward.runtime._batch_losses import collect_warnings
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._env import make_session_abandonable
    from alembic_steward.runtime._tenant_settled import settled_outcome, upgrade_target

    action, revision, phase = request
    script = tenant_history()
    if action in READ_ONLY_ACTIONS:
        from alembic_steward.runtime._tenant_status import tenant_check, tenant_status

        read = tenant_status if action == "status" else tenant_check
        return read(tenant, before, connection)
    settled = settled_outcome(tenant, script, request, before)
    if settled is not None:
        return settled
    target: str | None = revision
    detail = ""
    if action == "upgrade":
        target, detail = upgrade_target(script, revision, phase, before)
    if action == "downgrade":
        held = held_downgrade(tenant, str(target), before, connection, confirmed)
        if held is not None:
            return held
    config = build_alembic_config(quiet=True)
    # Alembic's recipe for sharing a connection: env.py migrates on this one.
    config.attributes["connection"] = connection
    make_session_abandonable(connection)
    # What the run warns of goes in the row: its printed lines are not shown (run_tenant).
    warned = collect_warnings()
    ran = run_migrations(config, script, action, str(target))
    notes = [detail] if detail else []
    detail = "; ".join(notes + [f"warning: {line}" for line in warned])
    after = (
        read_revisions_after_run(connection, tenant) if ran else read_revisions(connection, tenant)
    )
    if not ran:
        # Another run (a second fan-out) got the lock first and did it: this one ran nothing.
        at_head = tuple(sorted(after)) == tuple(sorted(script.get_heads()))
        outcome = TenantOutcomeName.AT_HEAD if at_head else TenantOutcomeName.AT_TARGET
        if set(after) != set(before):
            # Read before the lock, then under it: the row says why it ran nothing.
            waited = (
                f"another run migrated it while this one waited for its lock ({shown(before)}"
                f" -> {shown(after)}); nothing ran here"
            )
            detail = f"{waited}; {detail}" if detail else waited
        return TenantOutcome(tenant.name, outcome, shown(before), shown(after), detail=detail)
    done = TenantOutcomeName.UPGRADED if action == "upgrade" else TenantOutcomeName.DOWNGRADED
    outcome = TenantOutcome(tenant.name, done, shown(before), shown(after), detail=detail)
    if action == "downgrade":
        from alembic_steward.runtime._tenant_downgrade_results import with_downgrade_result

        # As `inv db.downgrade` reads one database: what the target does not build is named.
        return with_downgrade_result(tenant, outcome, connection, ran, after)
    return outcome


def held_downgrade(
    tenant: Tenant,
    target: str,
    before: tuple[str, ...],
    connection: Connection,
    confirmed: bool,
) -> TenantOutcome | None:
    """The outcome of a downgrade to ``target`` that must not run on ``tenant``, or None: one
    whose own record (or APP_ENV) names a protected environment is refused without
    ``confirmed``, read from its database as `inv db.stamp --tenants` reads it."""
    if confirmed:
        return None
    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._environment_record import recorded_environment
    from alembic_steward.runtime._protection import (
        configured_protected_environments,
        protected_environment,
    )

    try:
        recorded = recorded_environment(connection)
    finally:
        connection.rollback()  # Alembic must find the connection outside any transaction
    current = get_settings().environment.value
    environment = protected_environment(current, recorded, configured_protected_environments())
    if environment is None:
        return None
    detail = (
        f"refusing to downgrade a {environment} database (protected environment); nothing was"
        " changed; pass --yes if you mean it"
    )
    return TenantOutcome(
        tenant.name, TenantOutcomeName.PROTECTED, shown(before), shown(before), detail=detail
    )


def run_migrations(
    config: Config, script: ScriptDirectory, action: str, revision: str
) -> list[str]:
    """`alembic.command.upgrade` (or `downgrade`) to ``revision``, on the history ``script``
    already loaded rather than a new one; return the revisions it ran, in the order run.

    They are the steps Alembic planned from the revisions it read under the migration lock:
    none when a concurrent run had already brought the tenant there.
    """
    from alembic.runtime.environment import EnvironmentContext

    planned: list[Any] = []

    def steps(current: Any, context: Any) -> Any:
        from alembic_steward.runtime._backfill_reverts import refuse_reverting_running_backfills

        if action == "upgrade":
            planned[:] = script._upgrade_revs(revision, current)
        else:
            planned[:] = script._downgrade_revs(revision, current)
            refuse_reverting_running_backfills(context.connection, planned)
        return planned

    # Named as Alembic names its own: env.py's run reads the name (the mark's direction,
    # runtime/_mark_directions.py).
    steps.__name__ = action
    with EnvironmentContext(config, script, fn=steps, destination_rev=revision):
        script.run_env()
    return [step.revision.revision for step in planned]


def unread_exit_code(error: Exception) -> int:
    """The code `inv db.status` gives a database it cannot read as ``error`` says: 5 for a
    server it cannot reach, 10 for one that answered and refused the sign-in (a wrong
    password, no such user or database: no wait or retry helps), 15 for a tenant with no
    schema or database (or file) to read, 1 otherwise."""
    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.runtime._connecting import DatabaseUnreachable

    if isinstance(error, DatabaseUnreachable):
        return StatusExit.REFUSED if refused_sign_in(error) else StatusExit.UNREACHABLE
    if isinstance(error, TenantMissing):
        return StatusExit.TENANT_MISSING
    if isinstance(error, TenantError):
        return StatusExit.REFUSED
    return 1


def refused_sign_in(error: Exception) -> bool:
    """Whether ``error`` (a DatabaseUnreachable) is the server refusing the sign-in: a wrong
    password, no such user or database, rather than no answer at all."""
    from alembic_steward.runtime._driver_errors import sign_in_refusal

    return sign_in_refusal(getattr(error, "driver_error", error)) is not None
