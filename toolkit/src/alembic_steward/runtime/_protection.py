"""Which environments are protected, and the guard raw `alembic downgrade` and `stamp` pass.

By default every environment is protected except the development ones (development, dev,
local, test, testing, ci): a name nobody declared safe, such as `prod`, `live` or `staging`,
is treated as precious. A project that lists its protected environments (the wiring's
`protected_environments`, `db.protected_environments` in invoke.yaml or
`INVOKE_DB_PROTECTED_ENVIRONMENTS`) protects exactly those instead. `inv db.*` tasks read the
list from invoke's config (tasks/_protection.py); raw `alembic` reads the same settings itself.
Names compare case-insensitively, so `APP_ENV=Production` is as protected as `production`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection

PROTECTED_VARIABLE = "INVOKE_DB_PROTECTED_ENVIRONMENTS"
# Raw alembic commands that change what the database records without a guard of their own.
GUARDED_COMMANDS = ("downgrade", "stamp")
# The only environments the default leaves unprotected: where a database is meant to be thrown
# away. Every other name (prod, prd, live, production-eu, staging, ...) is protected.
DEVELOPMENT_ENVIRONMENTS = ("development", "dev", "local", "test", "testing", "ci")


class EmptyProtectedList(ValueError):
    """The protected list names no environment; taking that as "protect nothing" is unsafe."""


@dataclass(frozen=True)
class ProtectedEnvironments:
    """The rule in effect: the environments a project listed, or (None) all but development."""

    listed: frozenset[str] | None = None

    def protects(self, environment: str) -> bool:
        name = environment.strip().lower()
        if self.listed is None:
            return name not in DEVELOPMENT_ENVIRONMENTS
        return name in self.listed


def protected_names(setting: str | Sequence[str] | None) -> ProtectedEnvironments:
    """Read a protected list (a YAML list or a comma-separated string); None is the default.

    An empty list is refused: taking it as "protect nothing" would be the unsafe reading.
    """
    if setting is None:
        return ProtectedEnvironments()
    names = setting.split(",") if isinstance(setting, str) else setting
    protected = frozenset(str(name).strip().lower() for name in names if str(name).strip())
    if not protected:
        raise EmptyProtectedList(
            "the protected environment list is empty; name at least one,"
            f" e.g. {PROTECTED_VARIABLE}=production (unset it to get the default: every"
            f" environment but {', '.join(DEVELOPMENT_ENVIRONMENTS)})"
        )
    return ProtectedEnvironments(protected)


def protected_environment(
    current: str, recorded: str | None, protected: ProtectedEnvironments
) -> str | None:
    """Return the protected environment this database belongs to, or None when it is unguarded."""
    for environment in (current, recorded):
        if environment and protected.protects(environment):
            return environment
    return None


def configured_protected_environments() -> ProtectedEnvironments:
    """The rule as `inv` sees it, read without invoke: environment, invoke.yaml, the wiring."""
    if PROTECTED_VARIABLE in os.environ:
        return protected_names(os.environ[PROTECTED_VARIABLE])
    from alembic_steward._wiring import active_steward

    steward = active_steward()
    configured = steward.protected_environments
    invoke_yaml = steward.project_root / "invoke.yaml"
    if invoke_yaml.is_file():
        import yaml

        settings = yaml.safe_load(invoke_yaml.read_text(encoding="utf-8")) or {}
        db_settings = settings.get("db") or {}
        if "protected_environments" in db_settings:
            configured = db_settings["protected_environments"]
    return protected_names(configured)


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
