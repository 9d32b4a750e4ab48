"""A second signal that cuts short the reading of what a stopped run left: say what was read.

After a run stops (a first Ctrl-C, or a migration's failure), env.py reads what it left
(runtime/_state_after_failure.py): the version table, MySQL/MariaDB's half-applied mark, what
the migration committed itself, the schema against a scratch build. A second signal that lands
in that reading (0.02-0.3 s after the first, as a person presses it twice) used to be reported
as a stop outside any migration, whose line read the version table afresh and said "each
finished migration stays applied: the database is at r10" over a half-applied MariaDB
migration or a table a PostgreSQL migration had committed itself. Its line now says the state
the reading got to in full, if it got there; else that it could not be read, and how to read it.
"""

from __future__ import annotations

import contextlib
import signal

# Set on the signal's exception that cut the reading short: the error whose reading it cut.
READING_CUT = "_alembic_steward_reading_cut"
# Set on the stopped run's error before the reading: the revisions a downgrade had reverted as
# it went (each its own commit), whose empty downgrade()s its line must not lose.
REVERTED = "_alembic_steward_reverted"


def note_run_steps(stopped: BaseException, finished: tuple[str, ...], *, downgrading: bool) -> None:
    """Note on ``stopped`` the revisions its downgrade had reverted; never raises."""
    if downgrading and finished:
        with contextlib.suppress(Exception):  # an exception that takes no attribute
            setattr(stopped, REVERTED, finished)


def note_cut_reading(cut: BaseException, stopped: BaseException) -> None:
    """Note on ``cut`` (a signal's exception) that it stopped the reading of what the run
    ``stopped`` left; never raises."""
    with contextlib.suppress(Exception):  # an exception that takes no attribute: as before
        setattr(cut, READING_CUT, stopped)


def stopped_run(error: BaseException) -> BaseException | None:
    """The stopped run whose reading ``error`` cut short, as noted, else found among the errors
    it was raised while handling (a signal, or a migration's failure); None when none."""
    noted = getattr(error, READING_CUT, None)
    if noted is not None:
        return noted
    from alembic_steward.runtime._interruptions import Terminated
    from alembic_steward.runtime._migration_frames import migration_frame

    seen: set[int] = set()
    earlier = error.__context__
    while earlier is not None and id(earlier) not in seen:
        seen.add(id(earlier))
        if isinstance(earlier, (KeyboardInterrupt, Terminated)):
            return earlier
        try:
            if migration_frame(earlier) is not None:
                return earlier
        except Exception:  # noqa: BLE001, S112 - an unreadable traceback tells nothing
            pass
        earlier = earlier.__context__
    return None


def signal_name(error: BaseException) -> str:
    number = signal.SIGINT if isinstance(error, KeyboardInterrupt) else signal.SIGTERM
    return number.name


def cut_reading_line(
    error: BaseException, stopped: BaseException, name: str, status_command: str
) -> str:
    """The line for ``error`` (signal ``name``), which cut short the reading of what the run
    ``stopped`` left: that state if it was read in full, else that it could not be read."""
    from alembic_steward.runtime._migration_frames import migration_frame
    from alembic_steward.runtime._state_lines import state_of

    try:
        frame = migration_frame(stopped)
    except Exception:  # noqa: BLE001 - no wiring: the line names no migration
        frame = None
    migrating = frame is not None and frame.function in ("upgrade", "downgrade")
    what = "the task"
    if migrating:
        what = f"migration {frame.revision}"  # type: ignore[union-attr]
        if frame.function == "downgrade":  # type: ignore[union-attr]
            what += "'s downgrade()"
    if isinstance(stopped, Exception):
        head = f"error: {what} failed ({type(stopped).__name__})"
        cut = f"{name} stopped the reading of what it left"
    else:
        first = signal_name(stopped)
        head = f"error: {first} stopped {what}"
        cut = f"a {'second ' if first == name else ''}{name} stopped the reading of what it left"
    state = state_of(stopped)
    if state is not None:
        read = state.after_step(frame) if migrating else state.after_run()  # type: ignore[arg-type]
        return f"{head}; {read}"
    scratch = ""
    from alembic_steward.runtime._interruptions import stopped_a_scratch_build

    if stopped_a_scratch_build(error):
        from alembic_steward.inspection._scratch_database import scratch_line

        scratch = f"; {scratch_line(error)}"
    return (
        f"{head}; {cut}, so its state could not be read{scratch}; `{status_command}` shows where"
        f" the database stands{empty_reverts(stopped)}"
    )


def empty_reverts(stopped: BaseException) -> str:
    """`; before the stop this run had reverted r9 (as it ran, not read after it): revision
    r9's downgrade() is empty, ...`, as a finished downgrade warns; "" when none."""
    from alembic_steward._listing import listed
    from alembic_steward.runtime._empty_downgrades import reverted_empty
    from alembic_steward.runtime._stopped_downgrades import empty_reverted

    reverted = getattr(stopped, REVERTED, ())
    emptied = empty_reverted(reverted) if reverted else ()
    if not emptied:
        return ""
    warnings = "; ".join(reverted_empty(revision) for revision in emptied)
    return f"; before the stop this run had reverted {listed(reverted)} (as it ran): {warnings}"
