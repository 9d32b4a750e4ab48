"""A stopped fan-out waits a bounded time for its workers, then kills those still running.

On a stop signal the parent passes it on to its workers (runtime/_tenant_workers.forward_stop),
and each stops its tenant where it is and reports the state it left. A worker that does not
stop (a migration that swallows the signal's exception, a wait the signal cannot end) would
keep the parent waiting for ever, and a second SIGTERM then did nothing either: Kubernetes'
grace period would end in SIGKILL for the parent alone, with no report and the workers left
running. So the parent waits :data:`WORKER_STOP_GRACE` seconds (a second signal cuts that
short), kills the workers still running, and reads their tenants' states from the databases
(runtime/_tenant_stops.state_read_afterwards).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Collection
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_for_futures

# Stopping a tenant takes its rollback and a few reads of its state: seconds, well inside
# Kubernetes' default grace period of 30 s, which must also cover the parent's report.
WORKER_STOP_GRACE = 10.0


def killed_line(stop: BaseException) -> str:
    """Why a tenant's row has no report from its worker: the signal ``stop`` stands for."""
    signal_name = "SIGINT" if isinstance(stop, KeyboardInterrupt) else "SIGTERM"
    return (
        f"its worker process did not stop within {WORKER_STOP_GRACE:g} s of the"
        f" {signal_name} and was killed"
    )


def wait_then_kill(pool: ProcessPoolExecutor, pending: Collection[Future]) -> set[Future]:
    """Wait up to the grace period for ``pending``; then kill ``pool``'s workers still alive
    and return the futures that were still pending (their workers were killed)."""
    from alembic_steward.runtime._interruptions import HeldSignal

    deadline = time.monotonic() + WORKER_STOP_GRACE
    # A further signal is only noted (it must not cut this cleanup short with an exception):
    # it means "stop now", so it ends the wait.
    HeldSignal.holding, HeldSignal.number = True, None
    try:
        left: set[Future] = set(pending)
        while left and time.monotonic() < deadline and HeldSignal.number is None:
            _, left = wait_for_futures(left, timeout=0.1)
    finally:
        HeldSignal.holding, HeldSignal.number = False, None
    if left:
        kill_workers(pool)
    return left


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL every worker process of ``pool`` still alive."""
    # The executor keeps its worker processes in a private mapping; no public way lists them.
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError):  # ended meanwhile
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
