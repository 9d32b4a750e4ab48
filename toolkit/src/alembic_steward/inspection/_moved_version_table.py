"""Read a version table moved by hand from the bookkeeping rows, as the upgrade reads it.

Status builds scratch databases to tell a database that differs from its revision, and finds
nothing when the revisions a raw stamp or an UPDATE skipped change no schema (empty, merge or
data-only ones): it said "up to date", or "pending: run `inv db.upgrade`", and the upgrade then
refused. So it reads the same rows the upgrade's refusals read, and says what they say: behind
head, pending revisions whose checksum row is kept (runtime/_already_applied.py: stamped back);
at head, a head whose upgrade() never ran here (runtime/_unran_heads.py: moved ahead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.inspection._database_state import DatabaseState


def moved_version_table_line(
    connection: Connection, script: ScriptDirectory, state: DatabaseState
) -> str | None:
    """The line of the upgrade's refusal for a version table moved by hand, or None."""
    from alembic_steward.runtime._already_applied import upgrade_refusal
    from alembic_steward.runtime._unran_heads import unran_heads, unran_heads_line

    if len(state.heads) > 1 or state.unknown:
        return None
    current = tuple(state.current)
    if state.at_head:
        unran = unran_heads(connection, script, current)
        return unran_heads_line(current, unran, opening="") if unran else None
    return upgrade_refusal(connection, script, current)
