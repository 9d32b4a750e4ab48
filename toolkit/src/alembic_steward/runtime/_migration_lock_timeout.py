"""How long a run waits for the migration lock (MIGRATION_LOCK_TIMEOUT), and the error when
it gives up, naming the run that holds the lock."""

from __future__ import annotations

from alembic.util import CommandError

from alembic_steward._wiring import active_steward, read_setting

DEFAULT_LOCK_TIMEOUT_SECONDS = "60"
POLL_INTERVAL_SECONDS = 0.2


class MigrationLockTimeout(CommandError):
    """Another migration run held the lock for longer than MIGRATION_LOCK_TIMEOUT."""

    holder = "holder unknown"


def lock_timeout_seconds() -> float:
    """Read MIGRATION_LOCK_TIMEOUT (seconds) from the environment, then `.env`."""
    configured = active_steward().lock_timeout
    default = DEFAULT_LOCK_TIMEOUT_SECONDS if configured is None else f"{configured:g}"
    setting = read_setting("MIGRATION_LOCK_TIMEOUT", default)
    try:
        seconds = float(setting.value)
    except ValueError:
        seconds = -1.0
    # Finite only: MySQL's GET_LOCK cannot wait forever, and every database must agree.
    if not 0 <= seconds < float("inf"):
        raise CommandError(
            f"MIGRATION_LOCK_TIMEOUT={setting.value!r} (from {setting.source}) is not a finite"
            f" number of seconds; set it to e.g. {DEFAULT_LOCK_TIMEOUT_SECONDS}"
        )
    return seconds


def timed_out(holder: str, timeout: float) -> MigrationLockTimeout:
    from alembic_steward.runtime._running_migration import KILLED_RUN

    # A killed run's statement (runtime/_run_connection_lock.py) holds the run's own lock only.
    holds = "is still running" if holder.endswith(KILLED_RUN) else "still holds the migration lock"
    error = MigrationLockTimeout(
        f"another migration run ({holder}) {holds} after {timeout:g} s;"
        " wait for it to finish and retry, or raise MIGRATION_LOCK_TIMEOUT"
    )
    error.holder = holder
    return error
