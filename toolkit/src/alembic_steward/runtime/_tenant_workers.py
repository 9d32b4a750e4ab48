"""Run tenants in a bounded pool of worker processes: the canary first, a pool a dead worker
broke replaced by a new one, and a signal passed on to the workers (runtime/_tenant_fanout.py
runs a fan-out from the command line with it).

Each tenant runs in a worker process of its own, so one tenant's failure (or a migration that
crashes its interpreter) leaves the others' runs whole; each tenant's lock is its own
(runtime/_lock.py), so two fan-outs at once take turns per tenant and never apply a migration
twice.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_for_futures
from dataclasses import dataclass

from alembic_steward.runtime._tenancy import Tenant
from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_reports import Progress
from alembic_steward.runtime._tenant_runs import (
    READ_ONLY_ACTIONS,
    TenantOutcome,
    prepare_worker,
    tenant_history,
)
from alembic_steward.runtime._tenant_starts import TenantStarts
from alembic_steward.runtime._tenant_stop_grace import killed_line, wait_then_kill
from alembic_steward.runtime._tenant_stops import (
    NOT_STARTED,
    run_in_worker,
    state_read_afterwards,
)
from alembic_steward.runtime._worker_deaths import died_and_cut_off


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
    ``progress(outcomes, total)`` is called after each tenant. Ctrl-C or SIGTERM (a pod
    stopped) starts no other tenant; the tenants running then stop where they are (the
    signal is passed on to the workers when only this process got it: `docker stop`), and
    are reported as their databases have them
    (runtime/_tenant_stops.py): raises :class:`FanOutStopped`, which carries every outcome.
    """
    from alembic_steward.runtime._interruptions import Terminated
    from alembic_steward.runtime._tenant_canaries import canary_groups, not_run_after_canary

    tenants = [Tenant(name, plan.tenancy) for name in plan.names]
    outcomes: dict[str, TenantOutcome] = {}
    if pool_context().get_start_method() == "fork":
        # Loaded once here, the revisions come to every forked worker with its memory; a
        # history that does not load fails each tenant instead, in the report.
        with contextlib.suppress(Exception):
            tenant_history()
    # Where each tenant began, as its worker read it: a worker that dies sends no outcome.
    starts = TenantStarts(pool_context())
    pools = Pools(plan, package, starts)
    try:
        groups, read = canary_groups(pools, tenants, outcomes)
        for group in groups:
            if any(outcome.failed for outcome in outcomes.values()):
                not_run_after_canary(group, outcomes, read)
                continue
            pools.run(group, outcomes, progress)
    except (KeyboardInterrupt, Terminated) as stop:
        not_run(tenants, outcomes, NOT_STARTED)
        raise FanOutStopped(stop, [outcomes[name] for name in plan.names]) from None
    finally:
        starts.close()
    return [outcomes[name] for name in plan.names]


@dataclass(frozen=True)
class Pools:
    """Where ``plan``'s tenants run: pools of worker processes that import ``package`` (when
    spawned) and tell ``starts`` where each tenant began."""

    plan: FanOut
    package: str
    starts: TenantStarts

    def run(
        self,
        tenants: list[Tenant],
        outcomes: dict[str, TenantOutcome],
        progress: Progress,
        task: Callable[..., TenantOutcome] = run_in_worker,
    ) -> None:
        """Run ``task`` on each of ``tenants`` (the run itself, by default), filling
        ``outcomes``; a worker that dies breaks its pool: the tenants left go on in a new one."""
        workers = max(1, min(self.plan.parallel, len(tenants)))
        remaining = tenants
        while remaining:
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=pool_context(),
                initializer=prepare_worker,
                initargs=(self.package, self.starts.writer),
            ) as pool:
                running = Running(pool, workers, self.starts, task)
                remaining = run_group(running, remaining, self.plan, outcomes, progress)


@dataclass(frozen=True)
class Running:
    """A pool the tenants run in: ``workers`` at a time, each telling ``starts`` where its
    tenant began."""

    pool: ProcessPoolExecutor
    workers: int
    starts: TenantStarts
    task: Callable[..., TenantOutcome] = run_in_worker


WORKER_DIED = (
    "its worker process died while this tenant ran (killed, out of memory, or a crash in a"
    " driver), cutting its connection"
)
# When the pool's ends tell no worker's death apart from the others' (runtime/_worker_deaths.py).
WORKER_DIED_UNTOLD = (
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
        progress(list(outcomes.values()), len(plan.names))

    try:
        while queue or pending:
            while queue and len(pending) < workers:
                tenant = queue.pop()
                # A signal between the submit and this record would lose a tenant that still
                # runs (and then be reported as not run): it waits until the tenant is pending.
                with signals_held():
                    run = pool.submit(
                        running.task,
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
        # Only those whose own worker died fail; the others run again in the next pool.
        died, cut_off = died_and_cut_off(pool, [*pending.values()], starts)
        why = WORKER_DIED if cut_off else WORKER_DIED_UNTOLD
        for tenant in died:
            before = starts.before(tenant.name)
            outcomes[tenant.name] = state_read_afterwards(
                tenant, why, TenantOutcomeName.FAILED, before, reads_only=reads_only
            )
        return [*cut_off, *reversed(queue)]
    except BaseException as stop:
        # Stopped: the running tenants stop where they are in their workers and are reported,
        # each as its worker saw it or, from a worker that sent no report, as its database
        # has it now. Nothing is queued beyond the running tenants, so nothing is cancelled
        # (a shutdown with cancel_futures once hung this suite's SIGTERM test): a worker the
        # signal reached starts no tenant it still receives, and says so (_tenant_stops.py).
        killed = stop_workers(pool, pending, stop)
        pool.shutdown(wait=True)
        for future, tenant in list(pending.items()):
            if future.exception() is None:
                record(future)
            else:
                why = killed_line(stop) if future in killed else ENDED_WITHOUT_A_REPORT
                before = starts.before(tenant.name)
                outcomes[tenant.name] = state_read_afterwards(
                    tenant, why, before=before, reads_only=reads_only
                )
        raise
    return []


ENDED_WITHOUT_A_REPORT = "its worker process ended without a report"


def stop_workers(
    pool: ProcessPoolExecutor, pending: Collection[Future], stop: BaseException
) -> set[Future]:
    """Pass ``stop`` on to ``pool``'s workers and give them a bounded time to stop; return
    the ``pending`` runs whose workers were killed then (runtime/_tenant_stop_grace.py)."""
    if not forward_stop(pool, stop):
        return set()  # not a signal: the workers end their tenants, as before
    return wait_then_kill(pool, pending)


def forward_stop(pool: ProcessPoolExecutor, stop: BaseException) -> bool:
    """Send the signal that ``stop`` stands for to ``pool``'s workers.

    `docker stop` and Kubernetes signal the container's main process alone, not its group as
    a terminal's Ctrl-C does: without this the workers would finish their migrations, however
    long, and outlive the grace period. A worker the signal reached already takes it once
    (runtime/_tenant_stops.py); return whether ``stop`` was a signal."""
    import os
    import signal

    from alembic_steward.runtime._interruptions import Terminated

    if isinstance(stop, KeyboardInterrupt):
        number = signal.SIGINT
    elif isinstance(stop, Terminated):
        number = signal.SIGTERM
    else:
        return False  # not a signal: the workers end their tenants
    # The executor keeps its worker processes in a private mapping; no public way lists them.
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError):  # ended meanwhile
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, number)
    return True
