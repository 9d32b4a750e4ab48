"""Make destructive tasks stop, or ask, before they touch a protected environment's database."""

from __future__ import annotations

import sys

from invoke import Context, Exit


def confirm_destructive(c: Context, action: str, yes: bool) -> None:
    """Refuse ``action`` on a protected database unless ``--yes`` was given or a terminal agrees."""
    if yes:
        return
    environment = protected_environment_of_database(c)
    if environment is None:
        return
    if sys.stdin.isatty():
        answer = input(f"This is the {environment} database. Type {environment!r} to {action}: ")
        if answer.strip().lower() == environment.strip().lower():
            return
        raise Exit(f"error: {action} cancelled; nothing was changed", code=1)
    raise Exit(
        f"error: refusing to {action} a {environment} database (protected environment);"
        " pass --yes if you mean it",
        code=1,
    )


def protected_environment_of_database(c: Context) -> str | None:
    """Name the protected environment that `APP_ENV` or the database's own record points to."""
    from app.migrations.environment_record import recorded_environment
    from app.migrations.protection import protected_environment, protected_names
    from app.settings import get_settings

    protected = protected_names(c.config.db.protected_environments)
    current = get_settings().environment.value
    if protected_environment(current, None, protected):
        # No need to ask the database: APP_ENV alone is enough to refuse.
        return current
    from app.database import get_blocking_engine

    with get_blocking_engine().connect() as connection:
        recorded = recorded_environment(connection)
    return protected_environment(current, recorded, protected)
