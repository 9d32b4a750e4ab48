"""The wait between two batches: cut short by a stop request, or by a `pause` read from the
backfill's record, so a stopped or paused runner lets go of its lock soon."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from alembic_steward.runtime._backfill_records import PAUSED

if TYPE_CHECKING:
    from sqlalchemy import Engine


# How often a pause between batches looks for a stop request: a SIGTERM during a long pause
# ends the run within this, not after the whole pause (Kubernetes kills after its grace period).
STOP_POLL_SECONDS = 0.1
# How often it reads the record for a `pause` (a query, so less often): a paused runner lets
# go of its lock within this, and a downgrade waiting for it need not wait out a long --pause.
PAUSE_POLL_SECONDS = 1.0


def stopped_during(
    pause: float, stop_requested: Callable[[], bool], paused: Callable[[], bool] = bool
) -> bool:
    """Wait ``pause`` seconds, or less if a stop is requested meanwhile (say so: True) or the
    backfill is ``paused`` meanwhile (False: the next batch's read of the record ends the run)."""
    deadline = time.monotonic() + pause
    next_read = time.monotonic() + PAUSE_POLL_SECONDS
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, STOP_POLL_SECONDS))
        if stop_requested():
            return True
        if time.monotonic() >= next_read:
            next_read += PAUSE_POLL_SECONDS
            if paused():
                return False
    return False


def paused_meanwhile(engine: Engine, name: str) -> Callable[[], bool]:
    """Ask whether backfill ``name`` was paused (or its record dropped) since its last batch,
    read on a connection of its own; a read that fails says no (the next batch reads again)."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._backfill_records import read_record

    def paused() -> bool:
        try:
            with engine.connect() as connection:
                record = read_record(connection, name)
                connection.rollback()
        except SQLAlchemyError:
            return False
        return record is None or record.state == PAUSED

    return paused
