"""A second Ctrl-C that stops the scratch build reading what a stopped run left is never said
to have stopped a task that ran no migration: the run's migrations may have changed the
database before it (a downgrade that reverted one revision, then was stopped in the next)."""

from __future__ import annotations

from alembic_steward.inspection._scratch_database import SCRATCH_REMOVED
from alembic_steward.runtime._interruptions import interrupted_line


def signal_in_scratch_build(during: BaseException | None) -> KeyboardInterrupt:
    """The KeyboardInterrupt a scratch build notes, raised while ``during`` was handled."""
    try:
        try:
            if during is not None:
                raise during
        finally:
            interrupt = KeyboardInterrupt()
            setattr(interrupt, SCRATCH_REMOVED, True)
            raise interrupt
    except KeyboardInterrupt as raised:
        return raised


def test_a_second_signal_in_the_reading_after_a_stopped_run_claims_no_untouched_database():
    line = interrupted_line(signal_in_scratch_build(KeyboardInterrupt()), "SIGINT")
    assert "no migration ran" not in line, line
    # The reading was cut short: nothing of it is claimed (runtime/_cut_readings.py).
    assert "a second SIGINT stopped the reading of what it left, so its state could not" in line
    assert "stay" not in line and "the database is" not in line, line
    assert "the scratch database was removed" in line, line


def test_a_signal_in_a_scratch_build_of_its_own_says_no_migration_ran():
    line = interrupted_line(signal_in_scratch_build(None), "SIGINT")
    assert "no migration ran on the database" in line, line
