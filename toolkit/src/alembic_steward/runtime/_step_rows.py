"""The rows a migration step adds to the bookkeeping tables, sent together once it is done.

The checksum and phase recorders each add one row a revision, in the revision's transaction.
Sent as they come, that is a round trip each; on PostgreSQL a data-modifying WITH sends every
table's rows in one statement (its parts see one snapshot, which is all separate tables need),
a round trip less a revision (20 fewer for a tenant of 20 revisions in a fan-out). Other
databases have no such statement: each table's rows go in one INSERT of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

if TYPE_CHECKING:
    from sqlalchemy import Connection, Table


class StepRows:
    """Rows kept until the step's callbacks that add them have run (an ``on_version_apply``
    callback itself, listed after them): then sent, in the step's transaction."""

    def __init__(self) -> None:
        self.pending: list[tuple[Table, list[dict[str, Any]]]] = []

    def add(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.pending.append((table, rows))

    def __call__(self, *, ctx: Any, **_: Any) -> None:
        if not ctx.as_sql:
            self.send(ctx.connection)

    def send(self, connection: Connection) -> None:
        """Insert the rows kept so far on ``connection``, then keep none."""
        pending, self.pending = self.pending, []
        if connection.dialect.name == "postgresql" and len(pending) > 1:
            (table, rows), *others = pending
            statement = insert(table).values(rows)
            for number, (other, other_rows) in enumerate(others):
                statement = statement.add_cte(
                    insert(other).values(other_rows).cte(f"rows_{number}")
                )
            connection.execute(statement)
            return
        for table, rows in pending:
            connection.execute(insert(table), rows)
