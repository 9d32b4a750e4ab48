"""Recover from a MySQL/MariaDB migration that stopped half-way (see README, Safety)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from sqlalchemy import Engine


@task
@exit_on_user_error
def clear_migration_mark(c: Context) -> None:
    """Clear the mark a half-applied MySQL/MariaDB migration left, once it is undone by hand."""
    from sqlalchemy import create_engine, pool

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._half_applied_marks import clear_half_applied_mark
    from alembic_steward.runtime._lock import MigrationLockTimeout, hold_migration_lock

    engine = bound_waits(
        create_engine(get_settings().blocking_database_url, poolclass=pool.NullPool)
    )
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
        return
    print(f"Cleared the mark of the run that stopped after revision {cleared}.")
    print(what_migrating_again_does(engine))


def what_migrating_again_does(engine: Engine) -> str:
    """Say where the database stands now and that an upgrade reruns the next migration whole."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._half_applied_marks import (
        describe_heads,
        following_revisions,
        stamp_command,
    )

    with engine.connect() as connection:
        at = describe_heads(MigrationContext.configure(connection).get_current_heads())
    following = following_revisions(at, ScriptDirectory.from_config(build_alembic_config()))
    if not following:
        return f"The database is still at {at}."
    return (
        f"The database is still at {at}, so `inv db.upgrade` runs {', '.join(following)} again"
        f" from its start: if you finished it by hand instead, run {stamp_command(following)}."
    )
