"""Recover from a MySQL/MariaDB migration that stopped half-way (see README, Safety)."""

from __future__ import annotations

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error


@task
@exit_on_user_error
def clear_migration_mark(c: Context) -> None:
    """Clear the mark a half-applied MySQL/MariaDB migration left, once it is undone by hand."""
    from alembic_steward.runtime._repairs import RepairRefused, clear_mark

    try:
        lines = clear_mark()
    except RepairRefused as refusal:
        raise Exit(f"error: {refusal}", code=1) from None
    print("\n".join(lines))
