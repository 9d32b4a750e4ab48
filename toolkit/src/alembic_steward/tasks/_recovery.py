"""Recover from a MySQL/MariaDB migration that stopped half-way (see README, Safety)."""

from __future__ import annotations

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error


@task
@exit_on_user_error
def clear_migration_mark(c: Context) -> None:
    """Clear the mark a half-applied MySQL/MariaDB migration left, once the schema is repaired."""
    from sqlalchemy import create_engine, pool

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._half_applied_marks import clear_half_applied_mark
    from alembic_steward.runtime._lock import MigrationLockTimeout, hold_migration_lock

    engine = create_engine(get_settings().blocking_database_url, poolclass=pool.NullPool)
    if engine.dialect.name not in ("mysql", "mariadb"):
        print(f"{engine.dialect.name} rolls failed migrations back; there is no mark to clear.")
        return
    # A run holding the lock owns the mark right now: clearing it would hide that run's outcome.
    with engine.connect() as connection:
        try:
            with hold_migration_lock(connection, timeout=0):
                cleared = clear_half_applied_mark(engine)
        except MigrationLockTimeout:
            raise Exit(
                "error: a migration run is in progress (it holds the migration lock) and the"
                " mark is its own; nothing was cleared. Wait for it to end, then check"
                " `inv db.status`",
                code=1,
            ) from None
    if cleared is None:
        print("No unfinished migration run was marked; nothing to clear.")
    else:
        print(f"Cleared the mark of the run that stopped after revision {cleared}.")
