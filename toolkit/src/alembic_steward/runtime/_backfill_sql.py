"""The statements of one backfill, quoted for the connection's database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.backfills import Backfill


def names(connection: Connection, backfill: Backfill) -> tuple[str, str]:
    """The quoted table (with its schema) and key column."""
    quote = connection.dialect.identifier_preparer.quote
    table = quote(backfill.table)
    if backfill.schema:
        table = f"{quote(backfill.schema)}.{table}"
    return table, quote(backfill.key)


def key_range(connection: Connection, backfill: Backfill) -> tuple[Any, Any]:
    """The smallest and largest key in the table now (None, None when it is empty)."""
    from sqlalchemy import text

    table, key = names(connection, backfill)
    low, high = connection.execute(text(f"SELECT min({key}), max({key}) FROM {table}")).one()
    return low, high


def next_upper(connection: Connection, backfill: Backfill, cursor: Any) -> Any:
    """The last key of the next batch after ``cursor`` (None: no key is left)."""
    from sqlalchemy import text

    table, key = names(connection, backfill)
    after = "" if cursor is None else f" WHERE {key} > :cursor"
    values = {"cursor": cursor, "skip": backfill.batch_size - 1}
    upper = connection.execute(
        text(f"SELECT {key} FROM {table}{after} ORDER BY {key} LIMIT 1 OFFSET :skip"), values
    ).scalar()
    if upper is None:  # fewer keys than a batch are left: the batch ends at the last one
        upper = connection.execute(text(f"SELECT max({key}) FROM {table}{after}"), values).scalar()
    return upper


def update_batch(
    connection: Connection, backfill: Backfill, cursor: Any, upper: Any
) -> tuple[int, int]:
    """Update the pending rows with keys in (cursor, upper]; return how many, and how many of
    them are pending still (a `pending` the update does not turn false: a wrong declaration)."""
    from sqlalchemy import text

    table, key = names(connection, backfill)
    lower = "" if cursor is None else f"{key} > :cursor AND "
    where = f"{lower}{key} <= :upper AND ({backfill.pending})"
    values = {"cursor": cursor, "upper": upper}
    if connection.dialect.name == "postgresql":
        # RETURNING reads each row as the update left it: exactly the updated rows, whatever
        # another session commits meanwhile, in the update's own round trip.
        statement = (
            f"WITH updated AS (UPDATE {table} SET {backfill.set} WHERE {where}"
            f" RETURNING ({backfill.pending}) AS still) SELECT count(*),"
            " count(*) FILTER (WHERE still) FROM updated"
        )
        rows, still = connection.execute(text(statement), values).one()
        return int(rows), int(still)
    result = connection.execute(text(f"UPDATE {table} SET {backfill.set} WHERE {where}"), values)
    # In the batch's transaction no other session's change shows: SQLite has one writer, and
    # MySQL/MariaDB reads the transaction's snapshot plus its own update (the key index bounds
    # the read to the batch's rows).
    still = connection.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"), values)
    return max(result.rowcount, 0), int(still.scalar() or 0)


def pending_rows(connection: Connection, backfill: Backfill, most: int) -> int:
    """How many rows are still pending, counting at most ``most`` (a bounded read)."""
    from sqlalchemy import text

    table, _key = names(connection, backfill)
    query = f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {backfill.pending} LIMIT :most) p"
    return int(connection.execute(text(query), {"most": most}).scalar() or 0)


def pending_through(connection: Connection, backfill: Backfill, last: Any) -> int:
    """How many rows with keys up to ``last`` are pending (every one: this count is what a
    rerun's row count takes off; read once, when a finished backfill starts a new walk)."""
    from sqlalchemy import text

    table, key = names(connection, backfill)
    query = f"SELECT count(*) FROM {table} WHERE {key} <= :last AND ({backfill.pending})"
    return int(connection.execute(text(query), {"last": last}).scalar() or 0)


def update_all(connection: Connection, backfill: Backfill) -> int:
    """Update every pending row at once (for a few rows only); return how many."""
    from sqlalchemy import text

    table, _key = names(connection, backfill)
    statement = f"UPDATE {table} SET {backfill.set} WHERE {backfill.pending}"
    return max(connection.execute(text(statement)).rowcount, 0)
