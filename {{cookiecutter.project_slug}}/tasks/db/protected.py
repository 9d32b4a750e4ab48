"""Destructive tasks beyond downgrade: stamp, redo and reset, each guarded by the environment."""

from __future__ import annotations

from invoke import Context, Exit, task

from tasks.db.migrate import YES_HELP, announce_reverts
from tasks.db.protection import confirm_destructive
from tasks.db.user_errors import exit_on_user_error


@task(help={"revision": "Revision to record, e.g. 4f8376af1811, head or base", "yes": YES_HELP})
@exit_on_user_error
def stamp(c: Context, revision: str | None = None, yes: bool = False) -> None:
    """Record a revision in the database without running any migration."""
    # An optional flag, not a positional argument: `inv db.stamp --help` must show help.
    if not revision:
        raise Exit(
            "error: say which revision to record, e.g. `inv db.stamp -r head`"
            " (ids: `inv db.history`); nothing was changed",
            code=1,
        )
    from alembic import command

    from app.migrations.config import build_alembic_config

    confirm_destructive(c, "stamp", yes)
    command.stamp(build_alembic_config(), revision)
    print(f"Stamped the database at {revision}.")


@task(help={"yes": YES_HELP})
@exit_on_user_error
def redo(c: Context, yes: bool = False) -> None:
    """Revert the last migration and apply it again, to test its downgrade."""
    from alembic import command

    from app.database import get_blocking_engine
    from app.migrations.config import build_alembic_config
    from tasks.db.announced_downgrade import downgrade_announcing
    from tasks.db.status_report import current_heads

    confirm_destructive(c, "redo", yes)
    with get_blocking_engine().connect() as connection:
        current = current_heads(connection)
    if len(current) != 1:
        raise Exit(
            "error: redo needs the database at exactly one revision;"
            " check where it stands with `inv db.status`",
            code=1,
        )
    config = build_alembic_config()
    downgrade_announcing(config, "-1", announce_reverts)
    command.upgrade(config, current[0])
    print(f"Applied {current[0]} again.")


@task(help={"yes": YES_HELP})
@exit_on_user_error
def reset(c: Context, yes: bool = False) -> None:
    """Drop every table and migrate to head again (development only)."""
    from alembic import command

    from app.database import get_blocking_engine
    from app.migrations.config import build_alembic_config
    from tasks.db.database_reset import drop_all_tables

    confirm_destructive(c, "reset", yes)
    with get_blocking_engine().begin() as connection:
        dropped = drop_all_tables(connection)
    print(f"Dropped {len(dropped)} table(s): {', '.join(dropped) or 'none'}.")
    command.upgrade(build_alembic_config(), "head")
    print("Migrated to head.")
