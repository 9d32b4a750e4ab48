"""Make destructive tasks stop, or ask, before they touch a protected environment's database."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from invoke import Context, Exit

# invoke's name for `db.protected_environments` (prefix INVOKE_, dots as underscores); app/ is
# not imported for it, since the tasks package reads it as `inv --list` starts.
PROTECTED_VARIABLE = "INVOKE_DB_PROTECTED_ENVIRONMENTS"
# INVOKE_DB_PROTECTED_ENVIRONMENTS as the shell gave it, taken before invoke reads its variables.
protected_list_from_environment: str | None = None


def take_protected_list_from_environment() -> None:
    """Read the protected list's variable before invoke does, and hide it from invoke.

    invoke would refuse to read a comma-separated value into a setting that invoke.yaml gives as
    a YAML list (UncastableEnvVar, before any task runs); read here, the variable wins either way.
    """
    global protected_list_from_environment  # noqa: PLW0603 - read once, before invoke starts
    protected_list_from_environment = os.environ.pop(PROTECTED_VARIABLE, None)


def restore_protected_list_variable() -> None:
    """Give the variable back once invoke has read its settings, for raw `alembic` and hooks."""
    if protected_list_from_environment is not None:
        os.environ[PROTECTED_VARIABLE] = protected_list_from_environment


def protected_list_setting(c: Context) -> str | list[str] | None:
    """The protected list in effect: the environment's, else invoke config's; None: the default."""
    if protected_list_from_environment is not None:
        return protected_list_from_environment
    return c.config.db.protected_environments


def confirm_destructive(
    c: Context, action: str, yes: bool, *, preview: Callable[[], bool] | None = None
) -> None:
    """Refuse ``action`` on a protected database unless ``--yes`` was given or a terminal agrees.

    On a terminal, ``preview`` first shows what the action would change; when it returns False
    there is nothing to change, so nothing is asked.
    """
    if yes:
        return
    environment = protected_environment_of_database(c)
    if environment is None:
        return
    if sys.stdin.isatty():
        if preview is not None and not preview():
            return
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
    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._environment_record import recorded_environment
    from alembic_steward.runtime._protection import protected_environment, protected_names

    protected = protected_names(protected_list_setting(c))
    current = get_settings().environment.value
    if protected_environment(current, None, protected):
        # No need to ask the database: APP_ENV alone is enough to refuse.
        return current
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._connecting import connected
    from alembic_steward.runtime._tenancy import bound_tenant_engine

    # A tenant's repair (`--tenants NAME`) asks the tenant's own record.
    tenant_engine = bound_tenant_engine()
    try:
        # A server that cannot be reached is said so, as a fan-out's rows say it.
        engine = tenant_engine or get_blocking_engine()
        with connected(engine, outcome="nothing was changed") as connection:
            recorded = recorded_environment(connection)
    finally:
        if tenant_engine is not None:
            tenant_engine.dispose()
    return protected_environment(current, recorded, protected)
