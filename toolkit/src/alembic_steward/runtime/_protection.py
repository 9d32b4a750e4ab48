"""Which environments are protected, and the guard raw `alembic downgrade` and `stamp` pass.

`inv db.*` tasks read the protected list from invoke's config (tasks/_protection.py); raw
`alembic` reads the same settings itself: `INVOKE_DB_PROTECTED_ENVIRONMENTS`, else
`db.protected_environments` in the project's `invoke.yaml`, else `production`. Names compare
case-insensitively, so `APP_ENV=Production` is as protected as `production`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection

PROTECTED_VARIABLE = "INVOKE_DB_PROTECTED_ENVIRONMENTS"
# Raw alembic commands that change what the database records without a guard of their own.
GUARDED_COMMANDS = ("downgrade", "stamp")


class EmptyProtectedList(ValueError):
    """The protected list names no environment; taking that as "protect nothing" is unsafe."""


def protected_names(setting: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Read a protected list, a YAML list or a comma-separated string; refuse an empty one."""
    names = (setting or "").split(",") if isinstance(setting, str | None) else setting
    protected = [str(name).strip().lower() for name in names if str(name).strip()]
    if not protected:
        raise EmptyProtectedList(
            "the protected environment list is empty; name at least one,"
            f" e.g. {PROTECTED_VARIABLE}=production (unset it to get the default)"
        )
    return protected


def protected_environment(current: str, recorded: str | None, protected: list[str]) -> str | None:
    """Return the protected environment this database belongs to, or None when it is unguarded."""
    for environment in (current, recorded):
        if environment and environment.strip().lower() in protected:
            return environment
    return None


def configured_protected_environments() -> list[str]:
    """The protected list as `inv` sees it, read without invoke: environment, invoke.yaml."""
    if PROTECTED_VARIABLE in os.environ:
        return protected_names(os.environ[PROTECTED_VARIABLE])
    from alembic_steward._wiring import active_steward

    steward = active_steward()
    default = ",".join(steward.protected_environments)
    invoke_yaml = steward.project_root / "invoke.yaml"
    if invoke_yaml.is_file():
        import yaml

        settings = yaml.safe_load(invoke_yaml.read_text(encoding="utf-8")) or {}
        configured = (settings.get("db") or {}).get("protected_environments", default)
        return protected_names(configured)
    return protected_names(default)


def raw_alembic_command(config: Config) -> str | None:
    """The command `alembic` was run with, or None under `inv` or the app (no CLI `cmd`)."""
    command: Any = getattr(config.cmd_opts, "cmd", None)
    return getattr(command[0], "__name__", None) if command else None


def refuse_unconfirmed_raw_command(config: Config, connection: Connection, x_args: dict) -> None:
    """Stop raw `alembic downgrade`/`stamp` on a protected database unless `-x confirm=ENV`."""
    command = raw_alembic_command(config)
    if command not in GUARDED_COMMANDS:
        return
    from alembic.util import CommandError

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._environment_record import recorded_environment

    current = get_settings().environment.value
    began_reading = not connection.in_transaction()
    recorded = recorded_environment(connection)
    if began_reading:
        # End the read's implicit transaction: Alembic would take an open one as the caller's
        # and leave it uncommitted, undoing the run.
        connection.rollback()
    environment = protected_environment(current, recorded, configured_protected_environments())
    if environment is None:
        return
    if x_args.get("confirm", "").strip().lower() == environment.strip().lower():
        return
    raise CommandError(
        f"refusing to {command} a {environment} database (protected environment);"
        f" confirm with `alembic -x confirm={environment} {command} ...`"
    )
