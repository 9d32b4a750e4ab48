"""Read which heads of a version table never ran here, from the bookkeeping rows alone.

The reading behind runtime/_unran_heads.py, without Alembic: the start-up guard makes it at
head from the parents its text scan of the revision files found (runtime/_code_history.py),
in one query, and a database at head starts without importing Alembic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.runtime._code_history import CodeHistory


@dataclass(frozen=True)
class UnranHead:
    """A head of the version table with no row, and its parents, which have checksum rows."""

    revision: str
    parents: tuple[str, ...]


def unran_among(
    connection: Connection, parents: Mapping[str, tuple[str, ...]], tables: set[str] | None = None
) -> list[UnranHead]:
    """Those of the heads ``parents`` maps to their parents that never ran here, by the rows:
    no checksum or phase row of their own while each parent has a checksum row. ``tables``:
    the database's table names, when the caller has read them already."""
    from sqlalchemy import inspect, literal, select, union_all

    from alembic_steward.runtime._phase_records import PHASE_TABLE, phase_table
    from alembic_steward.runtime._revision_checksums import CHECKSUM_TABLE, checksum_table

    parents = {head: each for head, each in parents.items() if each}
    if not parents:
        return []
    if tables is None:
        tables = set(inspect(connection).get_table_names())
    if not {CHECKSUM_TABLE, PHASE_TABLE} <= tables:
        return []
    checksums, phases = checksum_table(), phase_table()
    wanted = sorted(set(parents).union(*parents.values()))
    rows = connection.execute(
        union_all(
            select(checksums.c.revision, literal("c").label("kind")).where(
                checksums.c.revision.in_(wanted)
            ),
            select(phases.c.revision, literal("p").label("kind")).where(
                phases.c.revision.in_(sorted(parents))
            ),
        )
    ).all()
    recorded = {revision for revision, _ in rows}
    checksummed = {revision for revision, kind in rows if kind == "c"}
    return [
        UnranHead(head, each)
        for head, each in sorted(parents.items())
        if head not in recorded and set(each) <= checksummed
    ]


def unran_at_head(
    connection: Connection,
    history: CodeHistory | None,
    current: set[str],
    tables: set[str] | None,
) -> list[str]:
    """The head the version table names, when it is ``history``'s single head and its
    upgrade() never ran here by the rows (runtime/_unran_heads.py); else none."""
    if history is None or len(history.heads) != 1 or current != history.heads:
        return []
    (head,) = current
    unran = unran_among(connection, {head: tuple(history.parents.get(head, ()))}, tables)
    return [each.revision for each in unran]
