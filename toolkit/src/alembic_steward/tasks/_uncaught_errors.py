"""One line, not a traceback, for an exception that escapes invoke itself rather than a task.

The tasks package installs the hook as invoke imports it, which is before invoke reads its
environment variables and prints help or the task list; a `db` task's own failures never reach
it (tasks/_user_errors.py ends them first).
"""

from __future__ import annotations

import os
import sys
from types import TracebackType


def silence_closed_stdout() -> None:
    """Point stdout at devnull once its reader has gone, so the exit flush cannot fail again."""
    # Python's documented recipe for BrokenPipeError (the `signal` module's notes on SIGPIPE).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def environment_variable_line(error: BaseException) -> str | None:
    """Name the invoke setting an environment variable could not be read into, if that failed."""
    traceback = error.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        # invoke.env.Environment.load, looping over the INVOKE_* variables it knows.
        if frame.f_globals.get("__name__") == "invoke.env" and "real_var" in frame.f_locals:
            setting = ".".join(frame.f_locals.get("key_path") or ())
            return (
                f"error: invoke cannot convert the environment variable"
                f" {frame.f_locals['real_var']} to the type of its {setting} setting;"
                f" unset it, or set {setting} in invoke.yaml instead"
            )
        traceback = traceback.tb_next
    return None


def end_in_one_line(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    """A `sys.excepthook`: a closed pipe ends quietly, any other error in one line (exit 1)."""
    if isinstance(error, BrokenPipeError):
        silence_closed_stdout()
        # The reader took what it wanted (`| head -1`): exit 0, as `inv db.upgrade --sql | head`
        # does, so a script under `set -o pipefail` does not fail on it.
        os._exit(0)
    from alembic_steward.runtime._traceback_switch import tracebacks_wanted
    from alembic_steward.tasks._user_errors import error_line

    if tracebacks_wanted() or not isinstance(error, Exception):
        sys.__excepthook__(kind, error, traceback)
        return
    print(environment_variable_line(error) or error_line(error), file=sys.stderr)


def install() -> None:
    """Make exceptions that escape invoke end in one line (INV_TRACEBACK=1 keeps the traceback)."""
    sys.excepthook = end_in_one_line
