"""The bookkeeping table of backfills: one row per backfill, its state and cursor.

The cursor is written in the same transaction as the batch it ends, so what the table says
was done is exactly what was committed. Keys are kept as JSON text, so an integer key and a
text key both round-trip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table

    from alembic_steward.backfills import Backfill

BACKFILL_TABLE = "alembic_backfills"
# The cursor's column is `last_key`: CURSOR is a reserved word on MySQL/MariaDB.
RUNNING, PAUSED, FINISHED = "running", "paused", "finished"
# A batch the database refused, or one that left its rows pending: the declaration is wrong,
# and running it again as it is fails the same way (``error`` says how).
FAILED = "failed"


def backfill_table() -> Table:
    from sqlalchemy import BigInteger, Column, DateTime, MetaData, String, Table, Text

    return Table(
        BACKFILL_TABLE,
        MetaData(),
        Column("name", String(200), primary_key=True),
        Column("revision", String(255), nullable=False),
        Column("state", String(16), nullable=False),
        Column("last_key", Text, nullable=True),
        Column("rows_done", BigInteger, nullable=False),
        Column("batches", BigInteger, nullable=False),
        Column("started_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("error", Text, nullable=True),
    )


@dataclass(frozen=True)
class BackfillRecord:
    """What the table holds for one backfill; ``cursor`` is the last key done (None: none)."""

    name: str
    revision: str
    state: str
    cursor: Any
    rows_done: int
    batches: int
    started_at: datetime
    updated_at: datetime
    # Why it failed, in one line (state failed); None otherwise.
    error: str | None = None


def now() -> datetime:
    # Naive UTC: every database's DateTime column stores it as written.
    return datetime.now(timezone.utc).replace(tzinfo=None)


def ensure_table(connection: Connection) -> None:
    """Create the table if this database has none yet (commits on its own connection)."""
    backfill_table().create(connection, checkfirst=True)


def has_table(connection: Connection) -> bool:
    from sqlalchemy import inspect

    return inspect(connection).has_table(BACKFILL_TABLE)


def read_records(connection: Connection) -> dict[str, BackfillRecord]:
    """Every backfill's record by name ({} when the table does not exist yet)."""
    from sqlalchemy import select

    if not has_table(connection):
        return {}
    rows = connection.execute(select(backfill_table())).mappings()
    return {row["name"]: to_record(row) for row in rows}


def read_record(connection: Connection, name: str, *, for_update: bool = False):
    """The record of ``name``, or None; ``for_update`` locks its row until the transaction ends."""
    from sqlalchemy import select

    table = backfill_table()
    query = select(table).where(table.c.name == name)
    if for_update and connection.dialect.name != "sqlite":
        query = query.with_for_update()
    row = connection.execute(query).mappings().first()
    return None if row is None else to_record(row)


def to_record(row: Any) -> BackfillRecord:
    cursor = None if row["last_key"] is None else json.loads(row["last_key"])
    return BackfillRecord(
        row["name"],
        row["revision"],
        row["state"],
        cursor,
        int(row["rows_done"]),
        int(row["batches"]),
        row["started_at"],
        row["updated_at"],
        row["error"],
    )


def start_record(connection: Connection, name: str, revision: str) -> None:
    table = backfill_table()
    stamp = now()
    connection.execute(
        table.insert().values(
            name=name,
            revision=revision,
            state=RUNNING,
            last_key=None,
            rows_done=0,
            batches=0,
            started_at=stamp,
            updated_at=stamp,
        )
    )


def save_batch(connection: Connection, name: str, cursor: Any, rows: int) -> None:
    """Record one committed batch: the new cursor and its rows (in the batch's transaction)."""
    table = backfill_table()
    connection.execute(
        table.update()
        .where(table.c.name == name)
        .values(
            last_key=json.dumps(cursor),
            rows_done=table.c.rows_done + rows,
            batches=table.c.batches + 1,
            updated_at=now(),
        )
    )


def restart(connection: Connection, backfill: Backfill, record: BackfillRecord) -> None:
    """Walk the keys again from the first (rows became pending after it finished).

    ``rows_done`` counts each key once: the rows pending again among the keys the last walk
    passed were counted by it, and the new walk counts them as it updates them, so they come
    off now (rows written since under new keys count once, by the new walk)."""
    from alembic_steward.runtime._backfill_sql import pending_through

    counted = 0 if record.cursor is None else pending_through(connection, backfill, record.cursor)
    table = backfill_table()
    connection.execute(
        table.update()
        .where(table.c.name == backfill.name)
        .values(
            state=RUNNING,
            last_key=None,
            rows_done=max(record.rows_done - counted, 0),
            updated_at=now(),
            error=None,
        )
    )


def forget(connection: Connection, names: list[str]) -> None:
    """Drop the records of ``names`` (their revision is being reverted: its rows are gone or
    changed, and a later upgrade starts them afresh), in ``connection``'s transaction."""
    table = backfill_table()
    connection.execute(table.delete().where(table.c.name.in_(names)))


def rows_in_batches(rows: int, batches: int) -> str:
    """`250 rows in 3 batches`, `1 row in 1 batch`."""
    return f"{plural(rows, 'row', 'rows')} in {plural(batches, 'batch', 'batches')}"


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def clear_cursor(connection: Connection, name: str) -> None:
    """Make ``name``'s next run start from the first key."""
    table = backfill_table()
    connection.execute(table.update().where(table.c.name == name).values(last_key=None))


def finish_inline(connection: Connection, name: str, rows: int) -> None:
    """Record ``name`` finished by `require_backfill`, its ``rows`` updated inline counted as
    one more batch: status then counts every row done, not those done before it."""
    table = backfill_table()
    values: dict[str, Any] = {"state": FINISHED, "updated_at": now(), "error": None}
    if rows:
        values |= {"rows_done": table.c.rows_done + rows, "batches": table.c.batches + 1}
    connection.execute(table.update().where(table.c.name == name).values(**values))


def set_state(connection: Connection, name: str, state: str, error: str | None = None) -> None:
    """Put ``name`` in ``state``; ``error`` is the failure's line (state failed), else cleared."""
    table = backfill_table()
    connection.execute(
        table.update()
        .where(table.c.name == name)
        .values(state=state, updated_at=now(), error=error)
    )
