"""Ctrl-C and SIGTERM in a fan-out: each tenant reported as its database has it afterwards.

A terminal's Ctrl-C reaches the whole process group: the fan-out's parent and every worker;
a signal sent to the parent alone (`docker stop`) it passes on to them (runtime/_tenant_workers.py).
A worker then stops its tenant's migration where it is, as a single-database run does
(runtime/_interruptions.py), and reports the state it left (on MySQL/MariaDB maybe half-applied,
with the tenant's own repair commands); a worker that was between tenants starts no other and
says so. A tenant whose worker sent no report (it died) has its state read by the parent.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from alembic_steward.runtime._interruptions import HeldSignal, Terminated, raise_or_hold
from alembic_steward.runtime._orphaned_workers import exit_if_orphaned, watch_parent
from alembic_steward.runtime._tenancy import Tenant, bind_tenant
from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_runs import (
    READ_ONLY_ACTIONS,
    TenantOutcome,
    run_tenant,
    shown,
)

NOT_STARTED = "the run was stopped before this tenant started"


class WorkerStop:
    """In a fan-out worker: the signal that asked it to stop, and whether a tenant runs now."""

    signum: int | None = None
    running = False


def stop_in_worker(signum: int, frame: Any) -> None:
    """A worker's SIGINT/SIGTERM handler: stop the running tenant where it is (its migration's
    bookkeeping still ends first), or, between tenants, start no other (and, orphaned, end)."""
    if not WorkerStop.running:
        exit_if_orphaned()
    if WorkerStop.signum is not None:
        return  # stopping already: a second signal must not cut short the state's reading
    WorkerStop.signum = signum
    if WorkerStop.running:
        raise_or_hold(signum, frame)


def install_worker_handlers() -> None:
    """Take SIGINT and SIGTERM in this worker; a signal held since the fork counts as asked."""
    # Forked while the parent held signals for a moment (runtime/_tenant_workers.py): a signal
    # that came since was held here, in the parent's handler, and is a stop all the same.
    WorkerStop.signum, WorkerStop.running = HeldSignal.number, False
    HeldSignal.number, HeldSignal.holding = None, False
    signal.signal(signal.SIGINT, stop_in_worker)
    signal.signal(signal.SIGTERM, stop_in_worker)
    watch_parent()


def run_in_worker(
    tenant: Tenant,
    action: str,
    revision: str,
    phase: str | None = None,
    *,
    confirmed: bool = False,
) -> TenantOutcome:
    """The pool's task: :func:`run_tenant`, unless a signal came first; a signal during the
    run stops it and the outcome says the state it left, read from the tenant's database."""
    if WorkerStop.signum is not None:
        return TenantOutcome(tenant.name, TenantOutcomeName.NOT_RUN, detail=NOT_STARTED)
    from alembic_steward.runtime._tenant_starts import tell_parent

    read: list[tuple[str, ...]] = []

    def read_before(before: tuple[str, ...]) -> None:
        read.append(before)
        # Before anything runs: a worker that dies later has told where its tenant began.
        tell_parent(tenant.name, before)

    started = time.monotonic()
    reads_only = action in READ_ONLY_ACTIONS
    try:
        WorkerStop.running = True
        return run_tenant(
            tenant, action, revision, phase, read_before=read_before, confirmed=confirmed
        )
    except (KeyboardInterrupt, Terminated) as stop:
        WorkerStop.running = False
        before = read[0] if read else None
        outcome = stopped_outcome(tenant, stop, before, reads_only=reads_only)
        outcome.seconds = round(time.monotonic() - started, 3)  # until it stopped
        return outcome
    finally:
        WorkerStop.running = False
        exit_if_orphaned()  # its parent died meanwhile: nothing would take this report


def stopped_outcome(
    tenant: Tenant,
    stop: BaseException,
    before: tuple[str, ...] | None,
    *,
    reads_only: bool = False,
) -> TenantOutcome:
    """The outcome of a tenant whose run ``stop`` (a signal's exception) ended part-way;
    ``before``: the revisions its run read first, None when the signal came before that read
    (then nothing ran, and the tenant is still where its database says it is now);
    ``reads_only``: the run was a status or a check, which runs no migration."""
    from alembic_steward.runtime._tenant_connections import tenant_revisions

    line = tenant_stopped_line(tenant, stop, reads_only=reads_only)
    try:
        after = shown(tenant_revisions(tenant))
    except Exception:  # noqa: BLE001 - the line says what could be read
        after = "?"
    started = after if before is None else shown(before)
    return TenantOutcome(
        tenant.name,
        TenantOutcomeName.STOPPED,
        started,
        after,
        detail=line.removeprefix("error: "),
        left_part_way=not reads_only and left_part_way(tenant, stop),
    )


def left_part_way(tenant: Tenant, stop: BaseException) -> bool:
    """Whether the run ``stop`` ended left ``tenant``'s work part-way, as its database says:
    the state read after the stop (a migration's own commit, leftovers, a statement still
    running, or nothing readable), or, read now, a half-applied mark; a clean rollback, or a
    stop between two migrations, leaves nothing to repair."""
    from alembic_steward.runtime._state_lines import state_of

    state = state_of(stop)
    if state is not None and (
        state.heads is None
        or state.marked
        or state.committed_by
        or state.leftovers
        or state.statement_running
    ):
        return True
    return blocking_state(tenant) != ""


def blocking_state(tenant: Tenant) -> str:
    """What, read now from ``tenant``'s database, stops the next run there ("" for nothing;
    the reason it could not be read, when it could not)."""
    from alembic_steward.inspection._database_state import blocking_problem, read_database_state
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._tenancy import bound_tenant_engine
    from alembic_steward.runtime._tenant_runs import tenant_history

    bind_tenant(tenant)
    engine = None
    try:
        engine = bound_tenant_engine()
        assert engine is not None  # noqa: S101 - a tenant is bound two lines up
        script = tenant_history()
        with engine.connect() as connection:
            state = read_database_state(script, connection)
        return blocking_problem(state, script) or ""
    except Exception as error:  # noqa: BLE001 - not read: it may be part-way
        return f"its state could not be read ({error_reason(error)})"
    finally:
        if engine is not None:
            engine.dispose()
        bind_tenant(None)


def tenant_stopped_line(tenant: Tenant, stop: BaseException, *, reads_only: bool = False) -> str:
    """The line for ``tenant``'s run that ``stop`` (a signal's exception) ended, worded with
    the tenant bound: the state read from its database, its repairs with `--tenants NAME`;
    ``reads_only``: a status or a check, which says that no migration ran, as `inv db.status`
    stopped on one database says it."""
    from alembic_steward.runtime._advice import bound_tenant_options, tenant_status_command
    from alembic_steward.runtime._interruptions import exit_code_and_line

    bind_tenant(tenant)
    try:
        tenants = bound_tenant_options("--tenants")
        _, line = exit_code_and_line(
            stop,
            reads_only=reads_only,
            stopped=f"tenant {tenant.name}",
            status_command=tenant_status_command(tenants),
        )
    finally:
        bind_tenant(None)
    return line


def keeping_tenant_line(tenant: Tenant, stop: BaseException) -> BaseException:
    """``stop``, carrying the line for ``tenant`` that `inv` and `python -m app.migrations`
    print for it (runtime/_interruptions.py): without it, they would word it once the tenant
    is unbound, with repairs of DATABASE_URL's own database."""
    from alembic_steward.runtime._interruptions import WORDED_LINE

    setattr(stop, WORDED_LINE, tenant_stopped_line(tenant, stop))
    return stop


def state_read_afterwards(
    tenant: Tenant,
    why: str,
    outcome: str = TenantOutcomeName.STOPPED,
    before: tuple[str, ...] | None = None,
    *,
    reads_only: bool = False,
) -> TenantOutcome:
    """The ``outcome`` of a tenant whose worker ended without a report: ``why``, and the
    state read now from its database (a half-applied run's repair commands, or its revision).

    ``before``: the revisions its worker read before the run (runtime/_tenant_starts.py); None
    when it sent none, having migrated nothing yet: it began where it is now. ``reads_only``:
    the run was a status or a check, so no migration of it "stays applied"."""
    from alembic_steward.inspection._database_state import blocking_problem, read_database_state
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._tenancy import bound_tenant_engine
    from alembic_steward.runtime._tenant_runs import tenant_history

    bind_tenant(tenant)
    engine = bound_tenant_engine()
    try:
        assert engine is not None  # noqa: S101 - a tenant is bound two lines up
        script = tenant_history()
        with engine.connect() as connection:
            state = read_database_state(script, connection)
        problem = blocking_problem(state, script)
        after = shown(tuple(state.current))
        ran = (
            "it only read the database: no migration ran and nothing changed"
            if reads_only
            else "each finished migration stays applied"
        )
        said = problem or f"{ran}: it is at {after}"
        part_way = problem is not None
    except Exception as error:  # noqa: BLE001 - say that the state could not be read
        after, said = "?", f"its state could not be read ({error_reason(error)})"
        part_way = True
    finally:
        if engine is not None:
            engine.dispose()
        bind_tenant(None)
    started = after if before is None else shown(before)
    return TenantOutcome(
        tenant.name,
        outcome,
        started,
        after,
        detail=f"{why}; {said}",
        left_part_way=part_way and not reads_only,
    )
