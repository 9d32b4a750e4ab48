"""An interrupt meant for a SQLite statement that lands on the clean-up instead."""

from __future__ import annotations

import signal
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from alembic_steward.runtime._interruptions import Terminated
from alembic_steward.runtime._sqlite_interrupts import stop_behind_an_interrupt


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
