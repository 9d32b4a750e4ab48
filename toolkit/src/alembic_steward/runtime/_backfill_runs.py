"""Run one backfill: batch after batch, each in its own transaction with its cursor, under the
backfill's own lock, stopping cleanly between batches when paused or signalled.

What the loop guarantees, whatever stops it: every committed batch has its cursor committed with
it, so the next run starts after the last batch that really happened, and a batch that was
interrupted is rolled back whole.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._backfill_naming import backfill_advised, backfill_lock_name
from alembic_steward.runtime._backfill_records import (
    FAILED,
    FINISHED,
    PAUSED,
    RUNNING,
    rows_in_batches,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from alembic_steward.runtime._backfill_declarations import Declared


class BackfillRefused(Exception):
    """The backfill cannot run now; the text says why and what to do."""


class BackfillHeld(BackfillRefused):
    """Another runner holds the backfill: nothing is wrong, and nothing to fix; the same command
    may run once that runner has stopped (exit :data:`HELD_EXIT_CODE`)."""


# sysexits.h's EX_TEMPFAIL, as for a migration lock wait given up: the same command may well
# succeed later, once the holder is gone; a deploy script can tell it from a failure.
HELD_EXIT_CODE = 75


class NothingPending(Exception):
    """The backfill finished and no row is pending: a rerun (a redeploy) has nothing to do."""


@dataclass
class Progress:
    """Where a run stands: rows and batches in this run, the cursor, and the key range."""

    name: str
    rows: int = 0
    batches: int = 0
    cursor: Any = None
    low: Any = None
    high: Any = None
    started: float = 0.0
    # The cursor when this run started (the low key on a first run): the rate and the time
    # left are this run's, whatever earlier runs did.
    start: Any = None
    # The wait after each batch: the time left counts the pauses still to come.
    pause: float = 0.0

    def fraction(self, since: Any = None) -> float | None:
        """How far the cursor is through the key range, from ``since`` (default: the lowest
        key); None unless the keys are numbers."""
        since = self.low if since is None else since
        numbers = (self.cursor, since, self.low, self.high)
        if not all(isinstance(value, (int, float)) for value in numbers):
            return None
        if self.high == self.low:
            return 1.0
        return max(0.0, min(1.0, (self.cursor - since) / (self.high - self.low)))

    def line(self) -> str:
        """`backfill users_lower: 12000 rows in 12 batches, 5300 rows/s, 43% of the keys, about
        1m12s left`."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.rows / elapsed
        text = f"backfill {self.name}: {rows_in_batches(self.rows, self.batches)}"
        text += f", {rate:.0f} rows/s"
        fraction, this_run = self.fraction(), self.fraction(self.start)
        if fraction is not None and this_run is not None:
            text += f", {fraction:.0%} of the keys"
            if this_run > 0 and fraction < 1:
                # A report follows a batch, before its pause: ``elapsed`` holds one pause
                # fewer than batches; each batch still to come brings its own pause.
                per_run = (elapsed + self.pause) / this_run
                text += f", about {duration(per_run * (1 - fraction))} left"
        return text


def duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


@dataclass(frozen=True)
class Outcome:
    """How a run ended: ``finished``, ``paused`` or ``stopped`` (a signal), with its progress."""

    ended: str
    progress: Progress


def run_backfill(
    engine: Engine,
    declared: Declared,
    *,
    resume: bool,
    report: Callable[[Progress], None],
    stop_requested: Callable[[], bool],
    pause_seconds: float | None = None,
) -> Outcome:
    """Run ``declared`` to its end, a pause, or a stop request, on ``engine`` (blocking).

    ``resume`` lets a paused backfill run again. ``report`` is called after each batch;
    ``stop_requested`` is asked between batches. Raises BackfillRefused (already finished,
    paused without ``resume``, its revision not applied, another runner holds it).
    """
    from alembic_steward.runtime._backfill_records import ensure_table
    from alembic_steward.runtime._named_locks import NamedLockHeld, holding_named_lock

    backfill = declared.backfill
    with engine.begin() as connection:
        ensure_table(connection)
    try:
        with holding_named_lock(engine, backfill_lock_name(backfill.name)):
            record = claim(engine, declared, resume)
            return batches(engine, declared, record, report, stop_requested, pause_seconds)
    except NamedLockHeld as held:
        raise BackfillHeld(held_line(backfill.name, held.holder)) from None


def held_line(name: str, holder: str) -> str:
    """Say that another runner (``holder``, as the lock names it) holds backfill ``name``, and
    the two ways on: wait for it, or stop it."""
    pid = runner_pid(holder)
    signal = f" or SIGTERM to its process (pid {pid})" if pid else ""
    return (
        f"backfill {name} is already running{in_tenant()} (another runner holds its lock:"
        f" {holder}); nothing was run here; wait for that runner to finish"
        f" ({backfill_advised(f'status {name}')} shows its progress), or stop it:"
        f" {backfill_advised(f'pause {name}')} (it stops after its current batch){signal}"
    )


def runner_pid(holder: str) -> str | None:
    """The runner's process id in ``holder``: its PostgreSQL session's name, its SQLite lock
    file's note; None where the lock names only a connection (MySQL/MariaDB)."""
    import re

    found = re.search(r"(?:alembic-steward |^process )pid (\d+)", holder)
    return found.group(1) if found else None


def in_tenant() -> str:
    """`` in tenant NAME`` while a tenant is bound, else "": a refusal names where it ran."""
    from alembic_steward.runtime._tenancy import bound_tenant

    tenant = bound_tenant()
    return "" if tenant is None else f" in tenant {tenant.name}"


def claim(engine: Engine, declared: Declared, resume: bool):
    """Start or continue the record of ``declared``; return it. Raises BackfillRefused."""
    from alembic_steward.runtime._backfill_records import (
        read_record,
        restart,
        set_state,
        start_record,
    )
    from alembic_steward.runtime._backfill_sql import pending_rows

    name = declared.backfill.name
    with engine.begin() as connection:
        record = read_record(connection, name, for_update=True)
        if record is None:
            start_record(connection, name, declared.revision)
            return read_record(connection, name)
        if record.state == FINISHED:
            if not pending_rows(connection, declared.backfill, 1):
                raise NothingPending(
                    f"backfill {name} finished already"
                    f" ({rows_in_batches(record.rows_done, record.batches)}) and no row is"
                    " pending; nothing to do"
                )
            # Code that does not set the column (the previous release, during the expand
            # phase) wrote rows since: walk every key again; done rows are not pending.
            print(
                f"backfill {name} finished before, but rows written since are pending:"
                " running it again from the first key",
                file=sys.stderr,
            )
            restart(connection, name)
            return read_record(connection, name)
        if record.state == PAUSED and not resume:
            raise BackfillRefused(
                f"backfill {name} is paused after {record.rows_done} rows;"
                f" {backfill_advised(f'resume {name}')} continues"
                " it from where it stopped"
            )
        if record.state in (PAUSED, FAILED):  # a failed one: its declaration fixed since
            set_state(connection, name, RUNNING)
        return record


def batches(
    engine: Engine,
    declared: Declared,
    record: Any,
    report: Callable[[Progress], None],
    stop_requested: Callable[[], bool],
    pause_seconds: float | None,
) -> Outcome:
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._backfill_failures import StatementRefused, stopped_line
    from alembic_steward.runtime._backfill_sql import key_range

    backfill = declared.backfill
    pause = backfill.pause_seconds if pause_seconds is None else pause_seconds
    try:
        with engine.connect() as connection:
            low, high = key_range(connection, backfill)
            connection.rollback()
    except SQLAlchemyError as error:
        refused = StatementRefused(error, "keys")
        raise BackfillRefused(stopped_line(engine, declared, refused, in_tenant())) from None
    start = low if record.cursor is None else record.cursor
    progress = Progress(
        backfill.name, cursor=record.cursor, low=low, high=high, start=start, pause=pause
    )
    progress.started = time.monotonic()
    while True:
        try:
            ended = one_batch(engine, declared, progress)
        except RecordDropped:
            refuse_if_reverted(engine, declared, None)
            raise BackfillRefused(dropped_line(declared)) from None
        except NeverDone as stuck:
            raise BackfillRefused(failed_never_done(engine, declared, stuck)) from None
        except StatementRefused as refused:
            # A downgrade below the revision may have removed what the batch writes to.
            refuse_if_reverted(engine, declared, refused.error)
            raise BackfillRefused(stopped_line(engine, declared, refused, in_tenant())) from None
        except SQLAlchemyError as error:
            # A downgrade below the revision may have removed what the batch writes to.
            refuse_if_reverted(engine, declared, error)
            raise
        if ended is not None:
            return Outcome(ended, progress)
        report(progress)
        paused = paused_meanwhile(engine, backfill.name)
        if stop_requested() or stopped_during(pause, stop_requested, paused):
            return Outcome("stopped", progress)


def one_batch(engine: Engine, declared: Declared, progress: Progress) -> str | None:
    """Run the next batch in its own transaction, with its cursor; return None, or how the
    run ended (finished, paused). Raises RecordDropped (a downgrade dropped the record), and,
    for a wrong declaration, NeverDone and StatementRefused, the batch rolled back."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._backfill_failures import StatementRefused
    from alembic_steward.runtime._backfill_records import read_record, save_batch, set_state
    from alembic_steward.runtime._backfill_sql import next_upper, update_batch

    backfill = declared.backfill
    with engine.begin() as connection:
        # Read under the row's lock: a `pause` from another process lands between batches.
        current = read_record(connection, backfill.name, for_update=True)
        if current is None:  # a downgrade reverted the revision, and the record with it
            raise RecordDropped
        if current.state == PAUSED:
            return PAUSED
        try:
            upper = next_upper(connection, backfill, current.cursor)
        except SQLAlchemyError as error:
            raise StatementRefused(error, "keys") from error
        if upper is None:
            set_state(connection, backfill.name, FINISHED)
            return FINISHED
        try:
            rows, still = update_batch(connection, backfill, current.cursor, upper)
        except SQLAlchemyError as error:
            raise StatementRefused(error, "update") from error
        if still:  # raised inside the transaction: the batch is rolled back
            raise NeverDone(current.cursor, upper, still)
        save_batch(connection, backfill.name, upper, rows)
    progress.rows += rows
    progress.batches += 1
    progress.cursor = upper
    return None


class NeverDone(Exception):
    """A batch left ``still`` of the rows it updated, keys (``cursor``, ``upper``], pending."""

    def __init__(self, cursor: Any, upper: Any, still: int) -> None:
        super().__init__(f"{still} rows still pending")
        self.cursor, self.upper, self.still = cursor, upper, still


class RecordDropped(Exception):
    """The backfill's record is gone between two batches: a downgrade reverted its revision."""


def dropped_line(declared: Declared) -> str:
    name = declared.backfill.name
    return (
        f"backfill {name} stopped{in_tenant()}: its record was dropped between two batches (a"
        f" downgrade reverted its revision {declared.revision}, which is applied again now);"
        f" {backfill_advised(f'run {name}')} starts it from the first key"
    )


def refuse_if_reverted(engine: Engine, declared: Declared, error: Exception | None) -> None:
    """Raise BackfillRefused, from ``error``, when the database is no longer at the backfill's
    revision (read on a connection of its own); return when it still is, or cannot be read."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine.connect() as connection:
            line = reverted_line(connection, declared)
    except SQLAlchemyError:
        return
    if line:
        raise BackfillRefused(line) from error


def reverted_line(connection: Any, declared: Declared) -> str:
    """Say that a downgrade moved the database below the backfill's revision ("" when it is
    still applied there), with the revisions read on ``connection``."""
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.runtime._backfill_commands import load
    from alembic_steward.runtime._backfill_declarations import applied_revisions
    from alembic_steward.runtime._backfill_naming import upgrade_advised

    script, _declared = load()
    if declared.revision in applied_revisions(script, connection):
        return ""
    heads = MigrationContext.configure(connection).get_current_heads()
    at = ", ".join(sorted(heads)) or "base"
    name = declared.backfill.name
    return (
        f"backfill {name} stopped{in_tenant()}: the database is at {at} (read from the"
        f" database), below its revision {declared.revision}: a downgrade reverted it, and"
        f" the backfill's record and cursor with it; {upgrade_advised(declared.revision)},"
        f" then {backfill_advised(f'run {name}')} starts it from the first key"
    )


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


def failed_never_done(engine: Engine, declared: Declared, stuck: NeverDone) -> str:
    """Mark ``declared`` failed for a batch that left the rows it updated pending (so it could
    never finish) and say so: running it again as declared would stop the same way."""
    from alembic_steward.runtime._backfill_failures import fix_advice, mark_failed

    backfill = declared.backfill
    keys = f"up to {stuck.upper!r}"
    if stuck.cursor is not None:
        keys = f"after {stuck.cursor!r} {keys}"
    why = (
        f"its batch of keys {keys} updated {stuck.still} row(s) that are still pending"
        f" afterwards: its `pending` ({backfill.pending}) stays true after its `set`"
        f" ({backfill.set}), so it would never finish"
    )
    mark_failed(engine, declared, why)
    return (
        f"backfill {backfill.name}{in_tenant()}: {why}; the batch was rolled back and the"
        f" backfill marked failed, not finished; {fix_advice(declared)} (its `set` must turn"
        " `pending` false)"
    )
