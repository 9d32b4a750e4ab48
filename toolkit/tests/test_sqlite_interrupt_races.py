"""An interrupt meant for a SQLite statement that lands on the clean-up instead."""

from __future__ import annotations

import os
import signal
import sqlite3

import pytest
from failures import recorded_revisions, write_revision
from project import Project
from sqlalchemy.exc import OperationalError

from alembic_steward.runtime._interruptions import HeldSignal, Terminated
from alembic_steward.runtime._sqlite_interrupts import (
    interrupt_on_stop_signals,
    stop_behind_an_interrupt,
)


def interrupted_during(handled: BaseException | None) -> OperationalError:
    """SQLAlchemy's error for a statement SQLite interrupted, raised while ``handled`` was."""
    try:
        try:
            if handled is not None:
                raise handled
        finally:
            raise OperationalError("ROLLBACK", {}, sqlite3.OperationalError("interrupted"))
    except OperationalError as error:
        return error


def test_the_signal_that_set_off_the_rollback_is_raised_again_not_its_interrupted_error():
    # Seen in CI: SIGTERM in a migration's Python code, the helper's interrupt then ended the
    # rollback, and the run said "upgrade failed: interrupted" with exit 1 instead of 143.
    signal_stop = Terminated()
    error = interrupted_during(signal_stop)
    assert stop_behind_an_interrupt(error, [signal.SIGTERM]) is signal_stop


def test_an_interrupt_with_no_signal_exception_behind_it_becomes_the_signal():
    error = interrupted_during(None)
    assert isinstance(stop_behind_an_interrupt(error, [signal.SIGINT]), KeyboardInterrupt)
    assert isinstance(stop_behind_an_interrupt(error, [signal.SIGTERM]), Terminated)


class RecordedInterrupts:
    """Stands in for a sqlite3 connection: counts the interrupts it gets."""

    def __init__(self) -> None:
        self.count = 0

    def interrupt(self) -> None:
        self.count += 1


def interrupts_for_one_sigterm(raised: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """How often the helper thread interrupts for one SIGTERM once the handler has raised its
    exception ``raised`` times in the run."""
    monkeypatch.setattr(HeldSignal, "raised", raised, raising=False)
    reading, writing = os.pipe()
    os.write(writing, bytes([signal.SIGTERM]))
    os.close(writing)  # the helper then reads the signal, and the pipe's end
    connection = RecordedInterrupts()
    try:
        interrupt_on_stop_signals(reading, connection, [])  # type: ignore[arg-type]
    finally:
        os.close(reading)
    return connection.count


def test_the_statement_a_signal_waits_behind_is_interrupted(monkeypatch: pytest.MonkeyPatch):
    assert interrupts_for_one_sigterm(0, monkeypatch) == 1


def test_a_signal_already_raised_in_the_run_leaves_its_clean_up_uninterrupted(
    monkeypatch: pytest.MonkeyPatch,
):
    # Seen in CI as "database is locked": the late interrupt ended the state read, not a
    # migration's statement (the signal's exception had already stopped the migration).
    assert interrupts_for_one_sigterm(1, monkeypatch) == 0


@pytest.mark.parametrize(
    ("error", "interrupted_for"),
    [
        (interrupted_during(None), []),  # no signal: SQLite's own "interrupted"
        (OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")), [15]),
    ],
    ids=["no-signal", "another-error"],
)
def test_other_errors_are_left_as_they_are(error: Exception, interrupted_for: list[int]):
    assert stop_behind_an_interrupt(error, interrupted_for) is None


# Sends itself SIGTERM, then has SQLite interrupt the state read's first statement: where the
# helper thread's interrupt for that signal lands when a busy machine delays it. A progress
# handler that answers "stop" ends the statement as interrupt() does.
INTERRUPTS_THE_STATE_READ = """\
    import os
    import signal

    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
    raw = op.get_bind().connection.dbapi_connection
    ended = []

    def end_the_first_statement():
        ended.append(True)
        return len(ended) == 1

    def interrupt_the_state_read(connection, cursor, statement, *args):
        if statement.startswith("SELECT") and "alembic_version" in statement and not ended:
            raw.set_progress_handler(end_the_first_statement, 1)

    sa.event.listen(op.get_bind(), "before_cursor_execute", interrupt_the_state_read)
    os.kill(os.getpid(), signal.SIGTERM)"""


def test_a_stopped_run_whose_state_read_is_interrupted_still_reads_the_state(project: Project):
    # Seen in CI: the read, interrupted inside the transaction it began, moved to a new
    # connection, which the run's own write lock kept waiting: "database is locked".
    write_revision(project, "first", None, "    pass")
    write_revision(project, "slow", "first", INTERRUPTS_THE_STATE_READ)
    completed = project.run("inv", "db.upgrade")
    assert completed.returncode == 143, completed.stderr
    assert (
        "error: SIGTERM stopped migration slow; rolled back; the database is still at first"
    ) in completed.stderr.splitlines()
    assert recorded_revisions(project) == {"first"}
