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
from alembic_steward.runtime._backfill_progress import Progress
from alembic_steward.runtime._backfill_records import (
    FAILED,
    FINISHED,
    PAUSED,
    RUNNING,
    plural,
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


class StillPaused(Exception):
    """`run` found the backfill paused: a pause is deliberate, so nothing ran and nothing
    failed; the text says how far it got and that `resume` continues it."""


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
    accept_changed: bool = False,
) -> Outcome:
    """Run ``declared`` to its end, a pause, or a stop request, on ``engine`` (blocking).

    ``resume`` lets a paused backfill run again. ``report`` is called after each batch;
    ``stop_requested`` is asked between batches. Raises BackfillRefused (its revision not
    applied, another runner holds it, its declaration failed, or changed under committed
    batches without ``accept_changed``), NothingPending (finished already) and StillPaused
    (paused, without ``resume``).
    """
    from alembic_steward.runtime._backfill_changes import ensure_declaration_table
    from alembic_steward.runtime._backfill_records import ensure_table
    from alembic_steward.runtime._named_locks import NamedLockHeld, holding_named_lock

    backfill = declared.backfill
    with engine.begin() as connection:
        ensure_table(connection)
        ensure_declaration_table(connection)
    from alembic_steward.runtime._backfill_failures import StatementRefused, stopped_line

    try:
        with holding_named_lock(engine, backfill_lock_name(backfill.name)):
            try:
                record = claim(engine, declared, resume, accept_changed)
            except StatementRefused as refused:  # a finished walk's restart, rolled back
                raise BackfillRefused(
                    stopped_line(engine, declared, refused, in_tenant())
                ) from None
            return batches(engine, declared, record, report, stop_requested, pause_seconds)
    except NamedLockHeld as held:
        from alembic_steward.runtime._backfill_holders import held_line

        raise BackfillHeld(held_line(backfill.name, held.holder)) from None


def in_tenant() -> str:
    """`` in tenant NAME`` while a tenant is bound, else "": a refusal names where it ran."""
    from alembic_steward.runtime._tenancy import bound_tenant

    tenant = bound_tenant()
    return "" if tenant is None else f" in tenant {tenant.name}"


def claim(engine: Engine, declared: Declared, resume: bool, accept_changed: bool = False):
    """Start or continue the record of ``declared``; return it. Raises BackfillRefused (its
    declaration changed under committed batches, without ``accept_changed``), and
    StatementRefused when a finished one cannot walk again as declared now."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._backfill_changes import declaration_checked, record_declaration
    from alembic_steward.runtime._backfill_failures import RESTART, StatementRefused
    from alembic_steward.runtime._backfill_records import (
        read_record,
        restart,
        set_state,
        start_record,
    )

    name = declared.backfill.name
    with engine.begin() as connection:
        record = read_record(connection, name, for_update=True)
        if record is None:
            start_record(connection, name, declared.revision)
            record_declaration(connection, declared.backfill)
            return read_record(connection, name)
        finished = record.state == FINISHED
        if finished and not pending_again(connection, declared, record):
            raise NothingPending(
                f"backfill {name} finished already"
                f" ({rows_in_batches(record.rows_done, record.batches)}) and no row is"
                " pending; nothing to do"
            )
        if record.state == PAUSED and not resume:
            from alembic_steward.runtime._backfill_changes import continues_it

            raise StillPaused(
                f"backfill {name} is paused after {plural(record.rows_done, 'row', 'rows')};"
                f" nothing was run; {continues_it(connection, declared, record)}"
            )
        accepted = declaration_checked(connection, declared, record, resume, accept_changed)
        if finished or accepted:
            if finished:
                # Code that does not set the column (the previous release, during the expand
                # phase) wrote rows since: walk every key again; done rows are not pending.
                print(
                    f"backfill {name} finished before, but rows written since are pending:"
                    " running it again from the first key",
                    file=sys.stderr,
                )
            try:
                restart(connection, declared.backfill, record)
            except SQLAlchemyError as error:  # the last walk's cursor against the key read now
                raise StatementRefused(error, RESTART) from error
            return read_record(connection, name)
        if record.state in (PAUSED, FAILED):  # a failed one: its declaration fixed since
            set_state(connection, name, RUNNING)
        return record


def pending_again(connection: Any, declared: Declared, record: Any) -> bool:
    """Whether a finished backfill has a row pending again. Raises StatementRefused when its
    `pending` (or table) is refused: the declaration's fault, as in a batch."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._backfill_failures import RESTART, StatementRefused
    from alembic_steward.runtime._backfill_sql import pending_rows

    try:
        return bool(pending_rows(connection, declared.backfill, 1))
    except SQLAlchemyError as error:
        raise StatementRefused(error, RESTART) from error


def batches(
    engine: Engine,
    declared: Declared,
    record: Any,
    report: Callable[[Progress], None],
    stop_requested: Callable[[], bool],
    pause_seconds: float | None,
) -> Outcome:
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._backfill_failures import (
        NeverDone,
        StatementRefused,
        failed_never_done,
        stopped_line,
    )
    from alembic_steward.runtime._backfill_sql import key_range
    from alembic_steward.runtime._backfill_waits import paused_meanwhile, stopped_during

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

    from alembic_steward.runtime._backfill_failures import NeverDone, StatementRefused
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
