"""A fan-out worker whose parent died ends itself, once its tenant's run has stopped.

A pool's workers wait for their next tenant on a pipe that every one of them also holds open
(they were forked with it), so when the parent is killed outright (SIGKILL, the out-of-memory
killer) no worker ever reads the end of it: each finished its tenant and then waited for ever,
and, being between tenants, took SIGTERM as "start no other" and went on waiting. So on Linux a
worker asks the kernel for SIGTERM when its parent dies (prctl's PR_SET_PDEATHSIG), which stops
a running tenant where it is as any stop does (runtime/_tenant_stops.py); and a worker that finds
itself orphaned, on a signal between tenants or after a tenant's run, exits.
"""

from __future__ import annotations

import os
import signal
import sys

# prctl(2): deliver a signal to this process when the thread that forked it ends.
PR_SET_PDEATHSIG = 1
# The exit status of a process a SIGTERM ended, as a shell reports it.
ORPHANED_EXIT = 128 + signal.SIGTERM


class Parent:
    """The process that started this worker, as it was when the worker started."""

    pid: int | None = None


def watch_parent() -> None:
    """In a new worker: remember its parent, and on Linux have the kernel send SIGTERM when that
    parent dies; exit at once if it already has (it died between the fork and now)."""
    Parent.pid = os.getppid()
    if sys.platform == "linux":
        import contextlib
        import ctypes

        # Without prctl, a signal or the end of the tenant's run still finds the orphan.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    exit_if_orphaned()


def orphaned() -> bool:
    """Whether the parent this worker started under is gone (it was re-parented)."""
    return Parent.pid is not None and os.getppid() != Parent.pid


def exit_if_orphaned() -> None:
    """End this worker at once when its parent is gone: no one is left to take its report."""
    if orphaned():
        os._exit(ORPHANED_EXIT)
