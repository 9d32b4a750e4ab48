"""How long the toolkit waits on a database server, and how soon the server drops a lost client.

Three settings, read like every other (the environment, then the project's `.env`):

- ``DATABASE_CONNECT_TIMEOUT`` (default 10 s): opening a connection, the server's greeting and
  sign-in included;
- ``DATABASE_READ_TIMEOUT`` (default 300 s): the longest wait for the server's answer to one
  statement, so it is also the longest a single migration statement may run;
- ``MIGRATION_IDLE_TIMEOUT`` (default 300 s): how long the server keeps a migration's session,
  and the migration lock's, once the client has stopped talking to it; then it ends the
  session, rolling its transaction back and freeing its locks.

Each is a finite number of seconds above zero: an unbounded wait is what they exist to end.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Timeouts", "read_timeouts"]

DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_READ_TIMEOUT_SECONDS = 300.0
DEFAULT_IDLE_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait: ``connect`` for a connection, ``read`` for an answer, ``idle`` before
    the server ends an abandoned migration session."""

    connect: float = DEFAULT_CONNECT_TIMEOUT_SECONDS
    read: float = DEFAULT_READ_TIMEOUT_SECONDS
    idle: float = DEFAULT_IDLE_TIMEOUT_SECONDS


def read_timeouts() -> Timeouts:
    """Read the three timeouts; a value that is not a positive finite number is a CommandError."""
    return Timeouts(
        connect=seconds_setting("DATABASE_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT_SECONDS),
        read=seconds_setting("DATABASE_READ_TIMEOUT", DEFAULT_READ_TIMEOUT_SECONDS),
        idle=seconds_setting("MIGRATION_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT_SECONDS),
    )


def seconds_setting(name: str, default: float) -> float:
    """One timeout setting in seconds, from the environment, then `.env`, else ``default``."""
    import os

    from alembic_steward._wiring import WiringError, read_setting
    from alembic_steward.settings import Setting

    try:
        setting = read_setting(name, f"{default:g}")
    except WiringError:
        # A guard called with a URL in a process that built no wiring: the environment only.
        value = os.environ.get(name)
        setting = Setting(value, "environment") if value else Setting(f"{default:g}", "default")
    try:
        seconds = float(setting.value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        from alembic.util import CommandError  # here: a start-up at head never imports Alembic

        raise CommandError(
            f"{name}={setting.value!r} (from {setting.source}) is not a positive finite number"
            f" of seconds; set it to e.g. {default:g}"
        )
    return seconds
