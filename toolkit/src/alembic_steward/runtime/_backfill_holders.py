"""What a refused second runner is told about the runner that holds the backfill's lock."""

from __future__ import annotations

from alembic_steward.runtime._backfill_naming import backfill_advised


def held_line(name: str, holder: str) -> str:
    """Say that another runner (``holder``, as the lock names it) holds backfill ``name``, and
    the two ways on: wait for it, or stop it."""
    from alembic_steward.runtime._backfill_runs import in_tenant

    pid = runner_pid(holder)
    signal = f" or SIGTERM to its process (pid {pid})" if pid else ""
    return (
        f"backfill {name} is already running{in_tenant()} (another runner holds its lock:"
        f" {holder}); nothing was run here; wait for that runner to finish"
        f" ({backfill_advised(f'status {name}')} shows its progress), or stop it:"
        f" {backfill_advised(f'pause {name}')} (it stops after its current batch){signal}"
    )


def runner_pid(holder: str) -> str | None:
    """The runner's process id in ``holder``: its PostgreSQL session's name, its SQLite lock
    file's note, its MySQL/MariaDB connection's local process; None where the lock names only
    a connection (a MySQL/MariaDB client on another machine)."""
    import re

    found = re.search(r"(?:alembic-steward |^process |, process )pid (\d+)", holder)
    return found.group(1) if found else None
