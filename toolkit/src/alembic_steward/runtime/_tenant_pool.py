"""How many worker processes a fan-out runs by default, said the same way by `inv` and
`python -m app.migrations` (imported by `inv --list`: nothing heavy here)."""

from __future__ import annotations

import os

# Past 4, a fan-out waits on the database server, not on the workers.
MOST_WORKERS_BY_DEFAULT = 4


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_parallel() -> int:
    """Worker processes by default: one per usable core, at most 4."""
    return min(MOST_WORKERS_BY_DEFAULT, usable_cores())


PARALLEL_DEFAULT = (
    f"one per core, at most {MOST_WORKERS_BY_DEFAULT}: {default_parallel()} on this machine"
)


def parallel_count(text: str) -> int:
    """`--parallel`'s text as a number of workers; a TenantError (one line) unless 1 or more."""
    from alembic_steward.runtime._tenancy import TenantError

    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise TenantError(
            f"--parallel {text} is not a number of worker processes (1 or more); nothing was run"
        )
    return count
