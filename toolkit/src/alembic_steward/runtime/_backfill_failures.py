"""A backfill statement that raised a database error: one that may pass (a lost connection, a
lock, a timeout) stops the run resumable; any other means the declaration is wrong, so the
record is marked failed with the error's line, naming the part of the declaration refused.

Running a wrong declaration again fails the same way: the advice is to fix it in its revision,
never "run it again to resume", which is what a record left `running` would have said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._backfill_naming import backfill_advised

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from alembic_steward.backfills import Backfill
    from alembic_steward.runtime._backfill_declarations import Declared


# The stage of a finished backfill's restart: its rows pending again, read with its `pending`
# and counted up to the last walk's cursor with its `key`. A failure there starts the fixed
# backfill's next run from the first key: the rows pending again are behind that cursor.
RESTART = "restart"


class StatementRefused(Exception):
    """A statement of the backfill raised ``error``; ``stage`` says which: `keys` (reading the
    table's keys), `update` (a batch's UPDATE) or RESTART (a finished one walking again)."""

    def __init__(self, error: BaseException, stage: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.stage = stage


def may_pass(error: BaseException) -> bool:
    """Whether ``error`` is the database's condition at the time (a lost connection, a lock, a
    deadlock, a timeout, a full disk), so the same batch may well run later."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.runtime._transient_errors import says_a_passing_condition

    if not isinstance(error, DBAPIError):
        return True  # the pool's own errors: nothing the statement said
    return says_a_passing_condition(error)


def refused_part(engine: Engine, backfill: Backfill, stage: str) -> str:
    """The part of the declaration the database refused, in words (`` its `set` (...) ``): each
    part is tried alone in a statement that reads no row, on a connection of its own."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._backfill_sql import names

    with engine.connect() as connection:
        table, key = names(connection, backfill)
    where = f"{backfill.schema}.{backfill.table}" if backfill.schema else backfill.table
    tries = [
        (f"its `table` ({where})", f"SELECT 1 FROM {table} WHERE 1 = 0"),
        (f"its `key` ({backfill.key})", f"SELECT {key} FROM {table} WHERE 1 = 0"),
    ]
    if stage in ("update", RESTART):
        pending = f"SELECT 1 FROM {table} WHERE ({backfill.pending}) AND 1 = 0"
        tries.append((f"its `pending` ({backfill.pending})", pending))
    for words, statement in tries:
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
                connection.rollback()
        except SQLAlchemyError:
            return words
    # Everything else reads fine: what is left is the UPDATE's SET.
    return f"its `set` ({backfill.set})" if stage == "update" else tries[1][0]


def mark_failed(
    engine: Engine, declared: Declared, error: str, *, from_first_key: bool = False
) -> Any:
    """Record ``declared`` as failed with ``error`` (a line) in a transaction of its own, its
    cursor cleared when ``from_first_key``; return its record as read back."""
    from alembic_steward.runtime._backfill_records import (
        FAILED,
        clear_cursor,
        read_record,
        set_state,
    )

    with engine.begin() as connection:
        set_state(connection, declared.backfill.name, FAILED, error)
        if from_first_key:
            clear_cursor(connection, declared.backfill.name)
        return read_record(connection, declared.backfill.name)


def fix_advice(declared: Declared, *, from_first_key: bool = False) -> str:
    """What to do about a failed backfill: its declaration, then the run that goes on."""
    name = declared.backfill.name
    where = "the first key" if from_first_key else "its last committed batch"
    return (
        f"fix the Backfill declaration in revision {declared.revision}, then"
        f" {backfill_advised(f'run {name}')} runs it again from {where}"
    )


def stopped_line(engine: Engine, declared: Declared, refused: StatementRefused, where: str) -> str:
    """The line a run ends with after ``refused``: resumable when the error may pass, else the
    backfill is marked failed, naming the part of the declaration refused (read back from the
    record). ``where``: `` in tenant NAME`` or ""."""
    from alembic_steward.runtime._backfill_records import rows_in_batches
    from alembic_steward.runtime._driver_errors import error_reason

    name, reason = declared.backfill.name, error_reason(refused.error)
    if may_pass(refused.error):
        return (
            f"backfill {name} (revision {declared.revision}) stopped{where} on a database error"
            f" that may pass ({reason}); its cursor is saved with its last committed batch;"
            f" {backfill_advised(f'run {name}')} resumes it"
        )
    part = refused_part(engine, declared.backfill, refused.stage)
    again = refused.stage == RESTART
    why = f"{part} was refused by the database: {reason}"
    record = mark_failed(engine, declared, why, from_first_key=again)
    done = rows_in_batches(record.rows_done, record.batches) if record else "?"
    return (
        f"backfill {name} (revision {declared.revision}) failed{where}: {why}; no row of the"
        f" failed statement was changed, and the backfill is marked failed after {done} (read"
        f" from the database); {fix_advice(declared, from_first_key=again)}"
    )


class NeverDone(Exception):
    """A batch left ``still`` of the rows it updated, keys (``cursor``, ``upper``], pending."""

    def __init__(self, cursor: Any, upper: Any, still: int) -> None:
        super().__init__(f"{still} rows still pending")
        self.cursor, self.upper, self.still = cursor, upper, still


def failed_never_done(engine: Engine, declared: Declared, stuck: NeverDone) -> str:
    """Mark ``declared`` failed for a batch that left the rows it updated pending (so it could
    never finish) and say so: running it again as declared would stop the same way."""
    from alembic_steward.runtime._backfill_runs import in_tenant

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
