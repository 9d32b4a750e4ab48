"""Correct the environment a database records (runtime/_environment_record.py)."""

from __future__ import annotations

from invoke import Context, Exit, task

from alembic_steward.tasks._protection import confirm_destructive
from alembic_steward.tasks._task_options import YES_HELP
from alembic_steward.tasks._user_errors import exit_on_user_error


@task(help={"name": "The environment to record, e.g. staging", "yes": YES_HELP})
@exit_on_user_error
def set_environment(c: Context, name: str | None = None, yes: bool = False) -> None:
    """Record which environment this database belongs to (guarded like a downgrade)."""
    if not name or not name.strip():
        raise Exit(
            "error: say which environment to record, e.g. `inv db.set-environment -n staging`;"
            " nothing was changed",
            code=1,
        )
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._environment_record import environment_table, record_environment

    # Moving a database out of a protected environment is as dangerous as what that allows.
    confirm_destructive(c, "change the recorded environment of", yes)
    with get_blocking_engine().begin() as connection:
        table = environment_table()
        table.create(connection, checkfirst=True)
        connection.execute(table.delete())
        record_environment(connection, name.strip())
    print(f"The database now records the environment {name.strip()!r}.")
