"""Ctrl-C and SIGTERM during a migration run: stop a migration at once, never its bookkeeping.

A signal raises where the run is, so the running migration's transaction rolls back (on
MySQL/MariaDB its mark says it may be half-applied). Once a migration's own code has returned,
Alembic still records it (alembic_version, checksum, the MySQL/MariaDB mark) and commits; a
signal then is held until the next migration starts or the run ends, so a migration that ran to
its end is recorded as applied, never reported half-applied. Raw `alembic` then prints the same
one line as `inv` and exits 130 (143 for SIGTERM) instead of a traceback.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# Exit codes of a run ended by a signal, as a shell reports them (128 + signal number).
SIGNAL_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Terminated(BaseException):
    """SIGTERM arrived; raised where the run was, so its transaction is rolled back."""


class HeldSignal:
    """Whether signals wait for a finished migration's bookkeeping, and the one that waits."""

    holding = False
    number: int | None = None
    # The last signal this process received: the state read after a stopped run then runs no
    # migration code again (a scratch build would rerun what the user just stopped).
    received: int | None = None
    # The greenlet an async SQLite run's migration runs in (runtime/_sqlite_run_signals.py):
    # a signal that comes while the event loop runs instead waits to be raised in it.
    migration_greenlet: object | None = None
    # How often the handler raised a signal's exception where the run was, since the current
    # SQLite run began: the run has stopped, and its helper thread (runtime/_sqlite_interrupts.py)
    # must not interrupt the clean-up's statements for it.
    raised = 0
    # How many migrations began on the database (not in a scratch build) in the current run
    # (counted from 0 by each run, each task and each deploy command): a stop before the first
    # says none had started, never "each finished migration stays applied".
    counting = False
    started = 0


def count_a_new_run(config: Config) -> None:
    """Count from 0 the migrations the run ``config`` starts, once for the command (not per
    lock retry, whose earlier attempt's migrations stay started), unless it is a scratch build:
    what an earlier run of the process started is not this one's."""
    from alembic_steward.runtime._failed_runs import SCRATCH_BUILD

    if not config.attributes.get(SCRATCH_BUILD):
        HeldSignal.started = 0


def stop(signum: int) -> BaseException:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated()


def raise_or_hold(signum: int, frame: Any) -> None:
    HeldSignal.received = signum
    if HeldSignal.holding or outside_the_migration_greenlet():
        HeldSignal.number = signum
        return
    HeldSignal.raised += 1
    raise stop(signum)


def outside_the_migration_greenlet() -> bool:
    """Whether an async SQLite run's event loop, not its migration, is running now."""
    if HeldSignal.migration_greenlet is None:
        return False
    import greenlet

    return greenlet.getcurrent() is not HeldSignal.migration_greenlet


def raise_held_signal() -> None:
    """Stop now for a signal that arrived during the last migration's bookkeeping, if any."""
    number, HeldSignal.number, HeldSignal.holding = HeldSignal.number, None, False
    if number is not None:
        raise stop(number)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM (while ``raise_or_hold`` handles them) until the block is done,
    then raise the one that came, so the block's few steps happen together or not at all."""
    HeldSignal.holding = True
    try:
        yield
    except BaseException:
        HeldSignal.number, HeldSignal.holding = None, False
        raise
    raise_held_signal()


@contextmanager
def signals_raise() -> Iterator[None]:
    """Raise where the run is on SIGINT and SIGTERM, so a migration's transaction rolls back.

    SIGINT gets a handler of our own, not Python's default: asyncio.run replaces only the
    default one, with a handler that waits for the event loop, i.e. for a blocking migration
    step to end. Ours interrupts an async bake's migration as promptly as a sync one's.
    """
    previous_int = signal.signal(signal.SIGINT, raise_or_hold)
    previous_term = signal.signal(signal.SIGTERM, raise_or_hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)


def holding_after_return(function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a revision's upgrade() or downgrade() so a signal after it returns waits."""

    @functools.wraps(function)
    def run_migration(*args: Any, **kwargs: Any) -> Any:
        raise_held_signal()
        if HeldSignal.counting:
            HeldSignal.started += 1
        result = function(*args, **kwargs)
        HeldSignal.holding = True
        return result

    run_migration.holds_signals = True  # type: ignore[attr-defined]
    return run_migration


@contextmanager
def bookkeeping_held(script: ScriptDirectory) -> Iterator[None]:
    """Hold signals from each migration's return until the next starts or the run ends."""
    wrapped = []
    try:
        revisions = list(script.walk_revisions())
    except Exception:  # noqa: BLE001 - a broken history is Alembic's to report, in its own words
        revisions = []
    for revision in revisions:
        for name in ("upgrade", "downgrade"):
            function = getattr(revision.module, name, None)
            if callable(function) and not hasattr(function, "holds_signals"):
                setattr(revision.module, name, holding_after_return(function))
                wrapped.append((revision.module, name, function))
    try:
        yield
    except BaseException:
        HeldSignal.number, HeldSignal.holding = None, False
        raise
    finally:
        for module, name, function in wrapped:
            setattr(module, name, function)
    raise_held_signal()


# Where a part that knows better than the lines below worded a signal's line, kept on the
# signal: a tenant's run (its advice names `--tenants NAME`, its state is the tenant's:
# runtime/_tenant_stops.py), the comparison after a finished downgrade (tasks/_downgrade_result.py).
WORDED_LINE = "_alembic_steward_worded_line"


def stopped_a_scratch_build(error: BaseException) -> bool:
    """Whether ``error`` stopped the task inside a scratch database (inspection/
    _scratch_database.py notes on it whether that database was removed)."""
    from alembic_steward.inspection._scratch_database import SCRATCH_LEFT, SCRATCH_REMOVED

    return hasattr(error, SCRATCH_REMOVED) or hasattr(error, SCRATCH_LEFT)


def where_the_database_stands(status_command: str) -> str:
    """The database's revision, read afresh on a bounded connection, or how to find it."""
    from alembic_steward.runtime._state_after_failure import read_state_afresh

    try:
        state = read_state_afresh()
        if state.heads is not None:
            return f"the database is at {state.at}"
    except BaseException:  # noqa: BLE001, S110 - say how to find it instead
        pass
    return f"`{status_command}` shows where the database stands"


def scratch_build_line(
    error: BaseException, signal_name: str, stopped: str, status_command: str
) -> str:
    """The line for a signal that stopped a scratch build: the migration it stopped ran there,
    not on the database, whose state is read afresh (the scratch one's is no one's)."""
    from alembic_steward.inspection._scratch_database import scratch_activity, scratch_line

    return (
        f"error: {signal_name} stopped {stopped} while it {scratch_activity(error)} a scratch"
        f" database; no migration ran on the database: {where_the_database_stands(status_command)};"
        f" {scratch_line(error)}"
    )


def read_only_line(signal_name: str, stopped: str, status_command: str) -> str:
    """The line for a signal that stopped a task that only reads the database (`db.check`,
    `db.status`, `db.current`, ...): it ran no migration, so no migration "stays applied"."""
    return (
        f"error: {signal_name} stopped {stopped}, which only reads the database: no migration"
        f" ran and nothing changed; {where_the_database_stands(status_command)}"
    )


def interrupted_line(
    error: BaseException,
    signal_name: str,
    stopped: str = "the task",
    status_command: str = "inv db.status",
    *,
    reads_only: bool = False,
) -> str:
    """Say that a signal stopped ``stopped`` and the state it left, as read; never raises.

    ``status_command`` is what shows the state where it could not be read; ``reads_only``: the
    task runs no migration. A line worded where the signal stopped (:data:`WORDED_LINE`: a
    tenant's run, its tenant still bound) is that line.
    """
    worded = getattr(error, WORDED_LINE, None)
    if worded is not None:
        return worded
    try:
        from alembic_steward.runtime._cut_readings import cut_reading_line, stopped_run

        # A second signal, in the reading of what a stopped run left (runtime/_cut_readings.py).
        run = stopped_run(error)
        if run is not None:
            return cut_reading_line(error, run, signal_name, status_command)
    except BaseException:  # noqa: BLE001 - the state is then unknown
        return unknown_state_line(signal_name, stopped, status_command)
    if stopped_a_scratch_build(error):
        return scratch_build_line(error, signal_name, stopped, status_command)
    try:
        from alembic_steward.runtime._offline_runs import interrupted_offline_line, ran_offline

        # Before the read-only line: an offline run's names its task (`db.plan only prints SQL`).
        if ran_offline(error):
            return interrupted_offline_line(error, signal_name)
    except BaseException:  # noqa: BLE001, S110 - fall through to the lines below
        pass
    if reads_only:
        return read_only_line(signal_name, stopped, status_command)
    try:
        from alembic_steward.runtime._migration_frames import migration_frame, state_after

        frame = migration_frame(error)
        if frame is not None:
            state = state_after(frame, error)
            return f"error: {signal_name} stopped migration {frame.revision}; {state}"
    except BaseException:  # noqa: BLE001, S110 - fall through to the general line below
        pass
    try:
        from alembic_steward.runtime._state_after_failure import read_state_afresh
        from alembic_steward.runtime._state_lines import state_of

        # An async run's signal may arrive in the event loop, outside env.py's reading.
        state = state_of(error) or read_state_afresh()
        started = bool(HeldSignal.started)
        return f"error: {signal_name} stopped {stopped}; {state.after_run(started=started)}"
    except BaseException as cut:  # noqa: BLE001 - say that the state is unknown, and how to find it
        return unknown_state_line(signal_name, stopped, status_command, cut)


def unknown_state_line(
    signal_name: str, stopped: str, status_command: str, cut: BaseException | None = None
) -> str:
    """The line for a signal whose state could not be read; ``cut``: what stopped the reading,
    named when it is a second signal (next_signal_cuts_the_reading raises it there)."""
    why = ""
    if isinstance(cut, (KeyboardInterrupt, Terminated)):
        second = signal.SIGINT if isinstance(cut, KeyboardInterrupt) else signal.SIGTERM
        again = "second " if second.name == signal_name else ""
        why = f"; a {again}{second.name} stopped the reading of where the database stands, so"
    return (
        f"error: {signal_name} stopped {stopped}{why or ';'} its state could not be read;"
        f" `{status_command}` shows where the database stands"
    )


def exit_code_and_line(
    error: BaseException, *, reads_only: bool = False, **wording: str
) -> tuple[int, str]:
    """The exit code and the one line for a run that ``error`` (a signal's exception) stopped;
    ``reads_only`` and ``wording`` as interrupted_line takes them."""
    number = signal.SIGINT if isinstance(error, KeyboardInterrupt) else signal.SIGTERM
    with next_signal_cuts_the_reading():
        line = interrupted_line(error, number.name, reads_only=reads_only, **wording)
    return SIGNAL_EXIT_CODES[number], line


class CutReading:
    """A signal handler for the wording of a stop's line: the first signal raises where the
    reading is, any other (or one once the line is worded) is only noted."""

    def __init__(self) -> None:
        self.wording = True
        self.cut = False

    def handle(self, signum: int, frame: Any) -> None:
        HeldSignal.received = signum
        if self.wording and not self.cut:
            self.cut = True
            raise stop(signum)


@contextmanager
def next_signal_cuts_the_reading() -> Iterator[None]:
    """While a stop's one line is worded (its state read from the database): a second signal
    cuts that reading short, raised where it is (the line then says the state could not be
    read), and any later one is only noted. The handler in place before it printed a line of
    its own (tasks/_early_signals.py: `inv`'s, once the task's handlers were gone), so a
    double Ctrl-C ended in two lines; Python's default one ended SIGTERM with none."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread
        return
    cut = CutReading()
    previous = {number: signal.signal(number, cut.handle) for number in SIGNAL_EXIT_CODES}
    try:
        yield
    finally:
        cut.wording = False
        for number, handler in previous.items():
            signal.signal(number, handler)


def exit_on_signals(run: Callable[[], int], *, reads_only: bool = False, **wording: str) -> int:
    """Call ``run`` with SIGINT and SIGTERM raising where it is; return its exit code, or end a
    run a signal stopped in one line on stderr and 130 or 143, as `inv` does.

    For `python -m app.migrations` (runtime/_deploy.py), which Kubernetes stops with SIGTERM;
    ``reads_only`` and ``wording`` as interrupted_line takes them.
    """
    HeldSignal.started = 0  # a command of its own: an earlier one's migrations are not its own
    if threading.current_thread() is not threading.main_thread():
        return run()  # signal handlers belong to the main thread
    try:
        with signals_raise():
            return run()
    except (KeyboardInterrupt, Terminated) as error:
        code, line = exit_code_and_line(error, reads_only=reads_only, **wording)
        print(line, file=sys.stderr)
        return code


@contextmanager
def interruptible_run(config: Config, script: ScriptDirectory) -> Iterator[None]:
    """Let signals stop a run promptly but never a finished migration's bookkeeping.

    Under `inv` the task installs the handlers and reports; under raw `alembic` this does both.
    """
    from alembic_steward.runtime._failed_runs import SCRATCH_BUILD
    from alembic_steward.runtime._protection import raw_alembic_command

    # Signal handlers belong to the main thread; an app migrating elsewhere keeps its own.
    raw = raw_alembic_command(config) is not None
    with ExitStack() as run:
        # A scratch build's migrations run on no one's database: they start nothing there.
        run.callback(setattr, HeldSignal, "counting", HeldSignal.counting)
        HeldSignal.counting = not config.attributes.get(SCRATCH_BUILD)
        if raw and threading.current_thread() is threading.main_thread():
            run.enter_context(signals_raise())
        with reported_interruption(config), bookkeeping_held(script):
            yield


@contextmanager
def reported_interruption(config: Config) -> Iterator[None]:
    """Under raw `alembic`, end a run a signal stopped in inv's one line and exit code.

    env.py of an async bake wraps asyncio.run in it too: there the signal's exception is
    raised in the event loop, outside the migration's own frames.
    """
    from alembic_steward.runtime._protection import raw_alembic_command

    try:
        yield
    except (KeyboardInterrupt, Terminated) as error:
        if raw_alembic_command(config) is None:
            raise
        code, line = exit_code_and_line(error)
        print(line, file=sys.stderr)
        raise SystemExit(code) from None
