"""`require_backfill` inside a migration: go on only once the backfill has finished.

Read from the database, never assumed: a backfill recorded as finished passes; one with no
pending rows left passes (a fresh database, where the declaring revision ran on empty tables);
a few pending rows are updated here, in the migration's own transaction; more are refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.runtime._backfill_naming import backfill_advised, backfill_lock_name

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.runtime._backfill_declarations import Declared
    from alembic_steward.runtime._backfill_records import BackfillRecord


def check_required(connection: Connection, name: str, finish_inline_up_to: int) -> None:
    """Raise BackfillNotFinished unless backfill ``name`` is done (or finished here)."""
    from alembic_steward.backfills import BackfillNotFinished
    from alembic_steward.runtime._backfill_changes import record_declaration
    from alembic_steward.runtime._backfill_failures import fix_advice
    from alembic_steward.runtime._backfill_records import (
        FAILED,
        FINISHED,
        finish_inline,
        has_table,
        read_record,
    )
    from alembic_steward.runtime._backfill_sql import pending_rows, update_all

    declared = find_declared(name)
    record = read_record(connection, name) if has_table(connection) else None
    # Counted even after it finished: the previous release may have written pending rows since.
    pending = pending_rows(connection, declared.backfill, finish_inline_up_to + 1)
    if pending <= finish_inline_up_to:
        changes = declaration_changes(connection, declared, record) if pending else []
        if changes and record is not None and record.state != FAILED:
            raise BackfillNotFinished(
                changed_refusal(declared, record, changes, pending),
                backfill=name,
                finish_inline_up_to=finish_inline_up_to,
            )
        if changes:  # a failed one's changed declaration is its fix, as a run takes it
            record_declaration(connection, declared.backfill)
        updated = update_all(connection, declared.backfill)
        still = pending_rows(connection, declared.backfill, pending + 1)
        if still:
            raise BackfillNotFinished(
                f"backfill {name} (declared by revision {declared.revision}): updating its"
                f" {pending} pending row(s) here left {still} still pending: its `pending`"
                f" ({declared.backfill.pending}) stays true after its `set`"
                f" ({declared.backfill.set}), so it could never finish; fix the declaration so"
                " that `set` turns `pending` false, then upgrade again"
            )
        # No bookkeeping table is created here: on MySQL/MariaDB that DDL would commit the
        # migration's work so far. With no rows pending, the next check passes on its own.
        if record is not None and (record.state != FINISHED or updated):
            finish_inline(connection, name, updated)
        return
    refuse_while_running(connection, declared, record, finish_inline_up_to)
    more = f"more than {finish_inline_up_to} rows"
    then = f"run {backfill_advised(f'run {name}')}"
    if record is None:
        progress = f"it has not been started and {more} are pending"
    elif record.state == FINISHED:
        progress = (
            f"{more} written since it finished (by code that does not set them) are pending again"
        )
    elif record.state == FAILED:  # running it as declared fails again: its declaration first
        progress = (
            f"it failed after {record.rows_done} rows ({record.error}) and {more} are still pending"
        )
        then = fix_advice(declared)
    else:
        progress = (
            f"it has not finished ({record.rows_done} rows done so far) and {more} are still"
            " pending"
        )
    raise BackfillNotFinished(
        f"this revision requires backfill {name} (declared by revision {declared.revision}) to"
        f" have finished, but {progress}; {then}, then upgrade again",
        backfill=name,
        finish_inline_up_to=finish_inline_up_to,
    )


def passes_now(connection: Connection, declared: Declared, finish_inline_up_to: int) -> bool:
    """Whether `require_backfill` would let its revision through now (a bounded read, rolled
    back): see :func:`refusal_now`."""
    return refusal_now(connection, declared, finish_inline_up_to) is None


def refusal_now(connection: Connection, declared: Declared, finish_inline_up_to: int) -> str | None:
    """Why `require_backfill` would refuse its revision now, or None when it would let it
    through: at most ``finish_inline_up_to`` rows of ``declared`` pending, not to be finished
    under a declaration changed since batches ran (a bounded read, rolled back)."""
    from alembic_steward.runtime._backfill_records import FAILED, has_table, read_record
    from alembic_steward.runtime._backfill_sql import pending_rows

    try:
        pending = pending_rows(connection, declared.backfill, finish_inline_up_to + 1)
        if pending > finish_inline_up_to:
            return f"more than {finish_inline_up_to} of its rows are pending here"
        if not pending:
            return None
        name = declared.backfill.name
        record = read_record(connection, name) if has_table(connection) else None
        if record is None or record.state == FAILED:
            return None
        if declaration_changes(connection, declared, record):
            return (
                f"its {pending} pending row(s) here are not finished inline under a declaration"
                " changed since batches ran"
            )
        return None
    finally:
        connection.rollback()


def declaration_changes(
    connection: Connection, declared: Declared, record: BackfillRecord | None
) -> list[str]:
    """The parts of ``declared`` changed since ``record``'s committed batches ran under the
    recorded ones (runtime/_backfill_changes.py): finishing inline would mix the two."""
    from alembic_steward.runtime._backfill_changes import changed_parts, recorded_declarations

    if record is None:
        return []
    recorded = recorded_declarations(connection).get(declared.backfill.name)
    return changed_parts(recorded, declared.backfill, record)


def changed_refusal(
    declared: Declared, record: BackfillRecord, changes: list[str], pending: int
) -> str:
    """Why a few pending rows are not finished here: the declaration changed under batches."""
    from alembic_steward.runtime._backfill_changes import ACCEPT_OPTION
    from alembic_steward.runtime._backfill_records import rows_in_batches

    name = declared.backfill.name
    return (
        f"this revision requires backfill {name} (declared by revision {declared.revision}) to"
        f" have finished; {pending} row(s) are pending, few enough to finish here, but its"
        f" declaration changed ({'; '.join(changes)}) after"
        f" {rows_in_batches(record.rows_done, record.batches)} were done under the old one, and"
        " finishing here would leave rows done under both: put the declaration back, or, if"
        f" the change is deliberate, {backfill_advised(f'run {name} {ACCEPT_OPTION}')} walks"
        " every key again under it; then upgrade again"
    )


def refuse_while_running(
    connection: Connection,
    declared: Declared,
    record: BackfillRecord | None,
    finish_inline_up_to: int,
) -> None:
    """Raise BackfillNotFinished, advising to wait, while a runner works on the backfill:
    the usual advice, to run it, would be refused as already running."""
    from alembic_steward.backfills import BackfillNotFinished
    from alembic_steward.runtime._named_locks import named_lock_holder

    name = declared.backfill.name
    runner = named_lock_holder(connection.engine, backfill_lock_name(name))
    if runner is None:
        return
    done = f"; {record.rows_done} rows done so far" if record is not None else ""
    shows = backfill_advised(f"status {name}")
    raise BackfillNotFinished(
        f"this revision requires backfill {name} (declared by revision {declared.revision}) to"
        f" have finished, but it is running now ({runner}{done}) and more than"
        f" {finish_inline_up_to} rows are still pending; wait for it to finish ({shows} shows"
        " its progress), then upgrade again",
        backfill=name,
        finish_inline_up_to=finish_inline_up_to,
    )


def find_declared(name: str):
    """The declaration of backfill ``name`` in this history. Raises LookupError."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._backfill_declarations import declared_backfills
    from alembic_steward.runtime._config import build_alembic_config

    declared = declared_backfills(ScriptDirectory.from_config(build_alembic_config(quiet=True)))
    if name not in declared:
        known = ", ".join(sorted(declared)) or "none"
        raise LookupError(f"no revision declares a backfill named {name} (declared: {known})")
    return declared[name]
