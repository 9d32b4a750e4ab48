"""State a forked child must not inherit as it was: each module's locks and threads, reset.

A fork copies the process's memory but only the thread that forked. A lock another thread held
at that moment stays held in the child for ever (its owner does not exist there), and a helper
thread's bookkeeping says it runs when it does not. A fan-out forks its workers (runtime/
_tenant_workers.py) while the parent's read watchdog thread lives on, so a worker could start
with that thread's lock held and wait on it at its first read (seen once in about 55 runs).
Each module with such state registers its reset here, to run in every forked child.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def reset_in_forked_children(reset: Callable[[], None]) -> None:
    """Run ``reset`` in each child this process forks, before the child runs anything else."""
    if hasattr(os, "register_at_fork"):  # POSIX; elsewhere workers are spawned, not forked
        os.register_at_fork(after_in_child=reset)
