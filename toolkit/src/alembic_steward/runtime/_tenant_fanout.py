"""Fan a migration out over many tenants: a bounded pool of worker processes, canary, shard.

`inv db.upgrade --all-tenants` and `python -m app.migrations upgrade --all-tenants` both land
in :func:`fan_out_command`. Each tenant runs in a worker process of its own, so one tenant's
failure (or a migration that crashes its interpreter) leaves the others' runs whole; each
tenant's lock is its own (runtime/_lock.py), so two fan-outs at once take turns per tenant and
never apply a migration twice. The run ends with a report, one row per tenant, and exit code
76 when any tenant failed (runtime/_tenant_reports.py).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_for_futures
from dataclasses import dataclass

from alembic_steward.runtime._relative_targets import is_step_from_current
from alembic_steward.runtime._tenancy import (
    Tenant,
    TenantError,
    checked_tenancy,
    declared_tenants,
    in_shard,
    parse_shard,
    parse_tenant_names,
)
from alembic_steward.runtime._tenant_exit_codes import fill_exit_codes
from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_pool import default_parallel
from alembic_steward.runtime._tenant_reports import (
    Progress,
    contract_pending_note,
    print_report,
    progress_printer,
    selection_options,
    stopped_summary,
    summary_line,
)
from alembic_steward.runtime._tenant_reruns import FanOutRun, action_rerun
from alembic_steward.runtime._tenant_runs import (
    READ_ONLY_ACTIONS,
    TenantOutcome,
    prepare_worker,
    tenant_history,
)
from alembic_steward.runtime._tenant_starts import TenantStarts
from alembic_steward.runtime._tenant_stops import (
    NOT_STARTED,
    run_in_worker,
    state_read_afterwards,
)


@dataclass(frozen=True)
class FanOut:
    """One fan-out: ``action`` (upgrade, downgrade, status, check) to ``revision`` on
    ``names``, or an upgrade through ``phase`` (expand, contract) on each.

    ``parallel`` worker processes; the first ``canary`` names run first, and any failure among
    them leaves the rest not run. ``confirmed``: --yes was given (or a terminal agreed), so a
    downgrade runs on tenants whose own record names a protected environment too.
    """

    action: str
    revision: str
    tenancy: str
    names: Sequence[str]
    parallel: int
    canary: int = 0
    phase: str | None = None
    confirmed: bool = False


def pool_context():  # noqa: ANN201 - a multiprocessing context
    """Fork where it is safe (Linux): workers inherit the imported app, Alembic and SQLAlchemy,
    and start in milliseconds; spawn elsewhere (macOS and Windows cannot fork safely)."""
    import multiprocessing

    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def fan_out(plan: FanOut, package: str, progress: Progress) -> list[TenantOutcome]:
    """Run ``plan`` in a pool of worker processes; return one outcome per name, in order.

    ``package`` is the migrations package a spawned worker imports to build the wiring;
    ``progress(done, total, failed)`` is called after each tenant. Ctrl-C or SIGTERM (a pod
    stopped) starts no other tenant; the tenants running then stop where they are (the
    signal is passed on to the workers when only this process got it: `docker stop`), and
    are reported as their databases have them
    (runtime/_tenant_stops.py): raises :class:`FanOutStopped`, which carries every outcome.
    """
    from alembic_steward.runtime._interruptions import Terminated

    tenants = [Tenant(name, plan.tenancy) for name in plan.names]
    groups = [tenants[: plan.canary], tenants[plan.canary :]]
    outcomes: dict[str, TenantOutcome] = {}
    workers = max(1, min(plan.parallel, len(tenants)))
    if pool_context().get_start_method() == "fork":
        # Loaded once here, the revisions come to every forked worker with its memory; a
        # history that does not load fails each tenant instead, in the report.
        with contextlib.suppress(Exception):
            tenant_history()
    # Where each tenant began, as its worker read it: a worker that dies sends no outcome.
    starts = TenantStarts(pool_context())
    try:
        for group in groups:
            if any(outcome.failed for outcome in outcomes.values()):
                not_run(group, outcomes, "a canary tenant failed; fix it first")
                continue
            remaining = group
            while remaining:
                # A worker that dies breaks its pool: the tenants left go on in a new one.
                with ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=pool_context(),
                    initializer=prepare_worker,
                    initargs=(package, starts.writer),
                ) as pool:
                    running = Running(pool, workers, starts)
                    remaining = run_group(running, remaining, plan, outcomes, progress)
    except (KeyboardInterrupt, Terminated) as stop:
        not_run(tenants, outcomes, NOT_STARTED)
        raise FanOutStopped(stop, [outcomes[name] for name in plan.names]) from None
    finally:
        starts.close()
    return [outcomes[name] for name in plan.names]


@dataclass(frozen=True)
class Running:
    """A pool the tenants run in: ``workers`` at a time, each telling ``starts`` where its
    tenant began."""

    pool: ProcessPoolExecutor
    workers: int
    starts: TenantStarts


WORKER_DIED = (
    "a worker process died while this tenant ran (killed, out of memory, or a crash in a"
    " driver; this tenant's or another's), cutting its connection"
)


class FanOutStopped(Exception):
    """A signal stopped the fan-out; ``outcomes`` holds every tenant's, run or not."""

    def __init__(self, signal_error: BaseException, outcomes: list[TenantOutcome]) -> None:
        super().__init__("stopped")
        self.signal_error = signal_error
        self.outcomes = outcomes


def not_run(tenants: list[Tenant], outcomes: dict[str, TenantOutcome], reason: str) -> None:
    """Record ``reason`` for each of ``tenants`` without an outcome yet."""
    for tenant in tenants:
        outcomes.setdefault(
            tenant.name, TenantOutcome(tenant.name, TenantOutcomeName.NOT_RUN, detail=reason)
        )


def run_group(
    running: Running,
    group: list[Tenant],
    plan: FanOut,
    outcomes: dict[str, TenantOutcome],
    progress: Progress,
) -> list[Tenant]:
    """Run the tenants of ``group`` in ``running``'s pool, filling ``outcomes`` as each one
    ends; return those not started when a worker died and broke the pool."""
    from concurrent.futures import FIRST_COMPLETED
    from concurrent.futures.process import BrokenProcessPool

    from alembic_steward.runtime._interruptions import signals_held

    pool, workers, starts = running.pool, running.workers, running.starts
    reads_only = plan.action in READ_ONLY_ACTIONS  # its rows say that no migration ran
    pending: dict[Future[TenantOutcome], Tenant] = {}
    # Submitted only as workers free up: a stopped run leaves nothing queued in the pool, so
    # every tenant not started is reported as such, and none starts after the signal.
    queue = list(reversed(group))

    def record(future: Future[TenantOutcome]) -> None:
        outcome = future.result()  # raises BrokenProcessPool with the tenant still pending
        outcomes[pending.pop(future).name] = outcome
        failed = sum(outcome.failed for outcome in outcomes.values())
        progress(len(outcomes), len(plan.names), failed)

    try:
        while queue or pending:
            while queue and len(pending) < workers:
                tenant = queue.pop()
                # A signal between the submit and this record would lose a tenant that still
                # runs (and then be reported as not run): it waits until the tenant is pending.
                with signals_held():
                    run = pool.submit(
                        run_in_worker,
                        tenant,
                        plan.action,
                        plan.revision,
                        plan.phase,
                        confirmed=plan.confirmed,
                    )
                    pending[run] = tenant
            done, _ = wait_for_futures(pending, return_when=FIRST_COMPLETED)
            starts.collect()  # read as they come: a full pipe would stop the workers
            for future in done:
                record(future)
    except BrokenProcessPool:
        # The pool stops every worker when one dies: the tenants running then were cut off
        # with their connections (PostgreSQL and SQLite roll back; MySQL keeps its mark).
        for tenant in [*pending.values()]:
            before = starts.before(tenant.name)
            outcomes[tenant.name] = state_read_afterwards(
                tenant, WORKER_DIED, TenantOutcomeName.FAILED, before, reads_only=reads_only
            )
        return list(reversed(queue))
    except BaseException as stop:
        # Stopped: the running tenants stop where they are in their workers and are reported,
        # each as its worker saw it or, from a worker that sent no report, as its database
        # has it now. Nothing is queued beyond the running tenants, so nothing is cancelled
        # (a shutdown with cancel_futures once hung this suite's SIGTERM test): a worker the
        # signal reached starts no tenant it still receives, and says so (_tenant_stops.py).
        forward_stop(pool, stop)
        pool.shutdown(wait=True)
        for future, tenant in list(pending.items()):
            if future.exception() is None:
                record(future)
            else:
                why = "its worker process ended without a report"
                before = starts.before(tenant.name)
                outcomes[tenant.name] = state_read_afterwards(
                    tenant, why, before=before, reads_only=reads_only
                )
        raise
    return []


def forward_stop(pool: ProcessPoolExecutor, stop: BaseException) -> None:
    """Send the signal that ``stop`` stands for to ``pool``'s workers.

    `docker stop` and Kubernetes signal the container's main process alone, not its group as
    a terminal's Ctrl-C does: without this the workers would finish their migrations, however
    long, and outlive the grace period. A worker the signal reached already takes it once
    (runtime/_tenant_stops.py)."""
    import os
    import signal

    from alembic_steward.runtime._interruptions import Terminated

    if isinstance(stop, KeyboardInterrupt):
        number = signal.SIGINT
    elif isinstance(stop, Terminated):
        number = signal.SIGTERM
    else:
        return  # not a signal: the workers end their tenants
    # The executor keeps its worker processes in a private mapping; no public way lists them.
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError):  # ended meanwhile
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, number)


def selected_names(tenants: str | None, shard: str | None, tenancy: str) -> list[str]:
    """The tenants to run: ``--tenants A,B`` (each one the wiring lists) or the wiring's
    list, then ``--shard i/n``'s; TenantError for a name that is not a tenant."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._tenant_names import check_listed, check_never_a_tenant

    if tenants is not None:
        source = "--tenants on the command line"
        names = parse_tenant_names(tenants.split(","), source)
        check_listed(names, "--tenants")
    else:
        source = f"the tenants callable {active_steward().tenants}"
        names = declared_tenants()
    check_never_a_tenant(names, tenancy, source)
    return in_shard(names, parse_shard(shard) if shard is not None else None)


def check_tenancy_fits_database(tenancy: str) -> None:
    """Refuse, before any run, a tenancy DATABASE_URL's database cannot have (TenantError)."""
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._tenancy import tenant_url

    tenant_url(make_url(get_settings().blocking_database_url), Tenant("tenant", tenancy))


def check_target_resolves(revision: str) -> None:
    """Raise Alembic's own error (as the single-database command gets it) for a ``revision``
    the history does not have or names ambiguously, once, before any tenant runs: otherwise
    every tenant fails with it. A relative step is each tenant's own; a history that does not
    load is left to each tenant's row, as before."""
    if any(sign in revision for sign in "+-"):
        return
    try:
        script = tenant_history()
    except Exception:  # noqa: BLE001 - each tenant's row says why it does not load
        return
    script.get_revisions(revision)  # CommandError, worded as Alembic words it for one database


def fan_out_command(
    action: str,
    revision: str,
    *,
    tenants: str | None,
    tenancy: str | None,
    parallel: int | None,
    canary: int,
    shard: str | None,
    as_json: bool,
    phase: str | None = None,
    confirmed: bool = False,
) -> int:
    """Run a fan-out from command-line options; print the report; return the exit code.

    Raises TenantError (one line) for options or tenant names it cannot use, before any run;
    CommandError for an unknown ``phase``.
    """
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._phased_upgrade import check_phase

    steward = active_steward()
    chosen_tenancy = checked_tenancy(tenancy or steward.tenancy)
    if phase is not None:
        check_phase(phase)
    if parallel is not None and parallel < 1:
        raise TenantError(
            f"--parallel {parallel} is not a number of worker processes (1 or more);"
            " nothing was run"
        )
    if canary < 0:
        raise TenantError(
            f"--canary {canary} is not a number of tenants (0 or more); nothing was run"
        )
    if action in ("upgrade", "downgrade"):
        check_target_resolves(revision)
    names = selected_names(tenants, shard, chosen_tenancy)
    check_tenancy_fits_database(chosen_tenancy)
    if not names:
        owner = f"shard {shard} owns none of the tenants" if shard else "there are no tenants"
        if as_json:
            print("[]")  # the report, empty: stdout under --json is the document alone
        print(f"{owner}; nothing to do", file=sys.stderr if as_json else sys.stdout)
        return 0
    if canary and canary >= len(names):
        # Said, or a user believes a few tenants went first and the rest waited on them.
        print(
            f"note: --canary {canary} covers all {len(names)} tenants, so the canary is the"
            " whole fleet: they run as without --canary",
            file=sys.stderr,
        )
        canary = 0
    plan = FanOut(
        action,
        revision,
        chosen_tenancy,
        names,
        parallel or default_parallel(),
        canary,
        phase,
        confirmed,
    )
    signal_code = None  # 130 or 143 when a signal stopped the run
    selection = selection_options(tenants, shard, tenancy)
    run = FanOutRun(revision, phase, selection, tenancy)
    try:
        outcomes = fan_out(plan, steward.package, progress_printer(sys.stderr))
        # A relative step's "run it again" would take the tenants that moved further.
        again = ""
        if is_step_from_current(revision):
            again = action_rerun(outcomes, action, run, confirmed=confirmed)
        code, line = summary_line(outcomes, action, selection, again)
        line += contract_pending_note(outcomes, selection)
    except FanOutStopped as stopped:
        import signal

        from alembic_steward.runtime._interruptions import SIGNAL_EXIT_CODES

        outcomes = stopped.outcomes
        sigint = isinstance(stopped.signal_error, KeyboardInterrupt)
        number = signal.SIGINT if sigint else signal.SIGTERM
        code = signal_code = SIGNAL_EXIT_CODES[number]
        rerun = action_rerun(outcomes, action, run, confirmed=confirmed)
        line = stopped_summary(outcomes, action, number.name, rerun)
    fill_exit_codes(outcomes, signal_code)
    print_report(outcomes, code, line, as_json)
    return code


def per_tenant_options_alone(options: Mapping[str, object]) -> str | None:
    """Why the per-tenant ``options`` given (by name; a falsy value is not given) cannot run
    without `--all-tenants` or `--tenants`, or None when none is given: on their own the
    command would run on DATABASE_URL's own database, from every pod of an Indexed Job."""
    given = [f"--{name.replace('_', '-')}" for name, value in options.items() if value]
    if not given:
        return None
    verb = "applies" if len(given) == 1 else "apply"
    return (
        f"{', '.join(given)} only {verb} to a fan-out, with --all-tenants or --tenants NAME,...;"
        " without either the command would run on DATABASE_URL's own database alone; nothing"
        " was run"
    )
