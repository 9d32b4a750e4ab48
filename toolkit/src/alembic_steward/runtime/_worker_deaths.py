"""Which tenant's worker died when a fan-out's pool broke, and which were only cut off with it.

A worker that dies (SIGKILL, out of memory, a crash in a driver) breaks its ProcessPoolExecutor,
which then terminates every other worker: the tenants running there were cut off by another's
death, not by their own. They run again in the next pool; only the tenant whose own worker
died fails (README: one tenant's failure never stops the others).
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from alembic_steward.runtime._tenancy import Tenant
    from alembic_steward.runtime._tenant_starts import TenantStarts

# How long to look for the worker that died: the pool's own thread may be reaping it just then
# (waitpid in its join), and a process read meanwhile has no exit code yet.
LOOK_FOR = 3.0
# How a worker the broken pool terminated ends: still running when looked at, ended by the
# SIGTERM (default action), or by its own handler of it (a worker stops its tenant on SIGTERM,
# runtime/_tenant_stops.py, and exits 0 or 1). Any other end is a death of its own.
TERMINATED_BY_THE_POOL = frozenset({None, 0, 1, -signal.SIGTERM})


def died_and_cut_off(
    pool: ProcessPoolExecutor, running: Sequence[Tenant], starts: TenantStarts
) -> tuple[list[Tenant], list[Tenant]]:
    """Split the ``running`` tenants of a pool that broke: those whose own worker died, and
    those cut off with it (to run again). When no death can be told apart (a worker ended as
    the pool ends the others), every one is counted as died: rerunning them could break the
    next pool the same way, again and again."""
    # A copy: the pool's own thread may clear its mapping as it shuts down.
    dead = dead_workers(dict(getattr(pool, "_processes", None) or {}))
    died = [tenant for tenant in running if starts.worker_pid(tenant.name) in dead]
    if not died:
        return list(running), []
    return died, [tenant for tenant in running if tenant not in died]


def dead_workers(processes: dict[int, Any]) -> set[int]:
    """The pids of ``processes`` (the executor's private mapping of its workers: no public way
    lists them) that died of themselves; empty when none is seen to within :data:`LOOK_FOR`."""
    import time

    deadline = time.monotonic() + LOOK_FOR
    while True:
        dead = {
            pid
            for pid, process in processes.items()
            if process.exitcode not in TERMINATED_BY_THE_POOL
        }
        if dead or time.monotonic() > deadline:
            return dead
        time.sleep(0.05)
