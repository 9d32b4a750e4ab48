"""Ctrl-C or SIGTERM before a `db` task takes its signals ends `inv` at once, in one line.

A task installs its own handlers (runtime/_interruptions.signals_raise) once Alembic and
SQLAlchemy are loaded, up to a second after `inv` starts. Before that, Python's default
handler raised KeyboardInterrupt wherever invoke was: invoke ended it with a silent exit 1, an
import with a traceback; and where the signal came ignored from the start (a shell script's
background job, `inv db.check &`) it stayed ignored until the task ran, which then went on to
its end. From the moment invoke loads the project's tasks, this handler takes both signals:
until a `db` task starts nothing has touched the database, so there is nothing to wait for.
A task of the team's own (or `inv test`) keeps Python's KeyboardInterrupt, which invoke
passes on to the command it runs.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

# The run's own exit codes (130, 143); that module imports neither Alembic nor SQLAlchemy.
from alembic_steward.runtime._interruptions import SIGNAL_EXIT_CODES as EXIT_CODES


class TaskRuns:
    """Where the `db` task of this process is: None (none yet, or between tasks), "starting"
    (loading its libraries: nothing read yet), "running" (its own handlers are in place, so
    this one sees only a signal that comes while the task reports a first one)."""

    phase: str | None = None


def inside_a_task(frame: FrameType | None) -> bool:
    """Whether invoke is executing a task where the signal came (its Executor on the stack)."""
    while frame is not None:
        code = frame.f_code
        if code.co_name == "execute" and frame.f_globals.get("__name__") == "invoke.executor":
            return True
        frame = frame.f_back
    return False


def stop_outside_a_task(signum: int, frame: FrameType | None) -> None:
    """End `inv` in one line and the signal's exit code (a signal handler)."""
    name = signal.Signals(signum).name
    if TaskRuns.phase is None and inside_a_task(frame):
        # Not a `db` task: as Python does by default, so invoke can pass it on.
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(EXIT_CODES[signum])
    if TaskRuns.phase == "running":
        line = (
            f"error: {name} stopped inv again while it read where the database stands;"
            " `inv db.status` shows it"
        )
    else:
        line = f"error: {name} stopped inv before its task started; nothing ran on the database"
    print(line, file=sys.stderr, flush=True)
    raise SystemExit(EXIT_CODES[signum])


def take_stop_signals() -> None:
    """Let SIGINT and SIGTERM end `inv` in one line from now on, even where they came ignored
    (a `db` task's own handlers take over while it runs, and give them back after)."""
    for number in EXIT_CODES:
        signal.signal(number, stop_outside_a_task)
