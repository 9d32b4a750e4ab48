"""Each backfill's state on one database, as fields and as the sentence `status` prints.

`inv db.status --json` (one database or each tenant's row) gives scripts the fields: name,
revision, state, rows done, rows pending (counted up to a bound, `pending_capped` past it);
the tables and `db.backfill status` print the sentence, ``text``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.runtime._backfill_declarations import Declared


# The state of a backfill whose revision the database has not applied.
NOT_APPLIED = "not applied"


@dataclass(frozen=True)
class BackfillSummary:
    """One backfill's state: ``state`` in a word or two (not applied, not started, running,
    paused, stopped, finished, pending again, cannot be read); ``done`` the rows its runs
    updated (0 before any run); ``pending`` the rows still pending as counted (None: not
    counted, as for a run in progress), ``pending_capped`` when the count stopped at its bound;
    ``text`` the sentence `status` prints."""

    name: str | None
    revision: str | None
    state: str
    done: int
    pending: int | None
    text: str
    pending_capped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def unfinished_backfill_summaries(script: object, connection: Connection) -> list[BackfillSummary]:
    """The backfills not finished on ``connection``'s database whose revisions it has applied
    (what `inv db.status` lists)."""
    from alembic_steward.runtime._backfill_declarations import (
        BackfillDeclarationError,
        declared_backfills,
    )

    try:
        declared = declared_backfills(script)
    except BackfillDeclarationError as error:
        text = f"cannot be read: {error}"
        return [BackfillSummary(None, None, "cannot be read", 0, None, text)]
    if not declared:
        return []
    return backfill_summaries(script, connection, list(declared.values()), unfinished_only=True)


def backfill_summaries(
    script: object, connection: Connection, chosen: list[Declared], *, unfinished_only: bool
) -> list[BackfillSummary]:
    """For each of ``chosen`` (but the finished ones with ``unfinished_only``): its summary."""
    from alembic_steward.runtime._backfill_changes import recorded_declarations
    from alembic_steward.runtime._backfill_commands import pending_again, recorded_state
    from alembic_steward.runtime._backfill_declarations import applied_revisions
    from alembic_steward.runtime._backfill_records import FINISHED, read_records

    summaries = []
    applied = applied_revisions(script, connection)
    records = read_records(connection)
    declarations = recorded_declarations(connection)
    for each in chosen:
        name, record = each.backfill.name, records.get(each.backfill.name)
        head = f"backfill {name} (revision {each.revision}): "
        done = record.rows_done if record is not None else 0

        summary = SummaryOf(name, each.revision, done)
        if each.revision not in applied:
            if not unfinished_only:
                summaries.append(summary(NOT_APPLIED, head + "its revision is not applied yet"))
            continue
        if record is not None and record.state != FINISHED:
            word, text = recorded_state(connection, head, each, record)
            summaries.append(summary(word, text + changed_note(each, record, declarations)))
            continue
        # Counted even once finished: code that does not set the rows may have written some
        # since, and a revision requiring the backfill would be refused.
        pending = pending_count(connection, each)
        words = f"more than {COUNTED_PENDING}" if pending > COUNTED_PENDING else str(pending)
        if record is None:
            if not pending:
                # Its rows were done when its revision ran (empty tables), or by a revision
                # requiring it, which leaves no record where it could not create the table.
                if not unfinished_only:
                    text = head + "finished, no row is pending (no run recorded)"
                    summaries.append(summary("finished", text, pending))
                continue
            rows = "1 row" if pending == 1 else f"{words} rows"
            summaries.append(summary("not started", head + f"not started, {rows} pending", pending))
            continue
        if pending:
            text = head + pending_again(name, record, words)
            text += changed_note(each, record, declarations)
            summaries.append(summary("pending again", text, pending))
        elif not unfinished_only:
            summaries.append(summary(*recorded_state(connection, head, each, record), pending))
    return summaries


def changed_note(declared: Declared, record: Any, declarations: dict[str, Any]) -> str:
    """What a run would refuse: the declaration changed under committed batches ("": not)."""
    from alembic_steward.runtime._backfill_changes import changed_parts, status_note
    from alembic_steward.runtime._backfill_records import FAILED

    if record.state == FAILED:  # a fix is what its failure asked for (runtime/_backfill_runs.py)
        return ""
    recorded = declarations.get(declared.backfill.name)
    changes = changed_parts(recorded, declared.backfill, record)
    return status_note(declared, changes) if changes else ""


@dataclass(frozen=True)
class SummaryOf:
    """Makes the summaries of one backfill (``name``, ``revision``, ``done`` rows)."""

    name: str
    revision: str
    done: int

    def __call__(self, state: str, text: str, pending: int | None = None) -> BackfillSummary:
        capped = pending is not None and pending > COUNTED_PENDING
        return BackfillSummary(self.name, self.revision, state, self.done, pending, text, capped)


# Pending rows counted for `status`, at most: a bounded read on a table of any size.
COUNTED_PENDING = 10_000


def pending_count(connection: Connection, declared: Declared) -> int:
    """How many rows of ``declared`` are pending, counted up to COUNTED_PENDING + 1."""
    from alembic_steward.runtime._backfill_sql import pending_rows

    pending = pending_rows(connection, declared.backfill, COUNTED_PENDING + 1)
    connection.rollback()
    return pending
