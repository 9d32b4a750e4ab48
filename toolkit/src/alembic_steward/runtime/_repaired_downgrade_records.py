"""A stamp that records a stopped downgrade finished by hand keeps what that downgrade knew.

A MySQL/MariaDB downgrade that reverted revisions with an empty downgrade() (a column, an
UPDATE) and then stopped half-way in another keeps a record of them (runtime/_downgrade_runs.py),
tied to the revision it stopped at. Its user finishes the step by hand and stamps its parent: the
record no longer matched (another revision, another schema), so the stamp said nothing of the
column still there (the refusal lets what the stopped run did not touch pass, as made by hand),
and status forgot the empty downgrade()s, whose upgrade() the next upgrade then ran again over
their work. The stamp now names what still differs, traced to the revision whose empty
downgrade() left it, and moves the record to the revision it stamped; status reads its empty
revisions while the version table is there, whatever the schema since (undoing that work by
hand is what its advice asks; it is a caution, never a claim that the work is here).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import URL, Connection


def record_at(connection: Connection, heads: Sequence[str]) -> dict | None:
    """The downgrade's record left at ``heads``, whatever the schema is now; None if none."""
    return record_on(connection.engine.url, heads)


def record_on(url: URL | None, heads: Sequence[str]) -> dict | None:
    """:func:`record_at` for the database at ``url``."""
    from alembic_steward.runtime._downgrade_runs import FOLDER
    from alembic_steward.runtime._failed_runs import record_path

    if url is None:
        return None
    try:
        path = record_path(url, FOLDER)
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(record, dict) or record.get("left_at") != sorted(heads):
        return None
    return record


def emptied_at(connection: Connection, current: Sequence[str], pending: Sequence[str]) -> list[str]:
    """Those of ``pending`` the record left at ``current`` names as reverted by an empty
    downgrade(), the schema changed since or not (status's caution before the upgrade)."""
    record = record_at(connection, current)
    empty = record.get("empty", []) if record else []
    return [revision for revision in pending if revision in empty]


def still_differing_line(
    others: Sequence[str], record: dict | None, target: Sequence[str]
) -> str | None:
    """The stamp's warning when, over the mark, the database still differs from what
    ``target`` builds by ``others`` (briefs the stopped run did not touch) that a reverted
    revision's upgrade() names (from the downgrade's ``record``): the upgrade runs into them.
    None for the rest, made by hand, which status names as before."""
    if not others:
        return None
    from alembic_steward.runtime._stopped_downgrades import left_by_reverted
    from alembic_steward.runtime._up_to_date import upgrade_command

    record = record or {}
    reverted = tuple(dict.fromkeys([*record.get("empty", []), *record.get("makers", [])]))
    made = left_by_reverted(tuple(others), reverted) if reverted else ()
    if not made:  # made by hand, which no pending revision touches: status names it
        return None
    parts = []
    for leftover in made:
        how = "empty downgrade()" if leftover.empty else "downgrade()"
        parts.append(f"{leftover.brief}, which the {how} of revision {leftover.revision} left")
    makers = list(dict.fromkeys(leftover.revision for leftover in made))
    write = f", and write the downgrade() of {', '.join(makers)} so it undoes it" if makers else ""
    return (
        f"warning: the database still differs from what {', '.join(target)} builds by:"
        f" {'; '.join(parts)}; `{upgrade_command()}` would run into it: undo it by hand"
        f" first{write}"
    )


def carry_record(connection: Connection, record: dict | None, heads: Sequence[str]) -> None:
    """Move the downgrade's ``record`` to ``heads``, the revision the stamp recorded, with the
    schema as it is now; never raises."""
    if not record:
        return
    from alembic_steward.runtime._downgrade_runs import record_downgrade_leftovers

    try:
        makers, empty = list(record.get("makers", [])), list(record.get("empty", []))
        record_downgrade_leftovers(connection, list(heads), makers, empty)
    except Exception:  # noqa: BLE001 - a hint for status, never a reason for the stamp to fail
        return


def emptied_at_mark(url: URL | None, after_revisions: str) -> str:
    """For the mark of a downgrade stopped at ``after_revisions``: `; before it stopped, the
    run had reverted r7 and r6, whose downgrade()s are empty: ...`, from its record; ""."""
    from alembic_steward._listing import listed

    record = record_on(url, after_revisions.split(", "))
    empty = list(record.get("empty", [])) if record else []
    if not empty:
        return ""
    one = len(empty) == 1
    whose = "whose downgrade() is" if one else "whose downgrade()s are"
    return (
        f"; before it stopped, the run had reverted {listed(empty)}, {whose} empty: what"
        f" {'its' if one else 'their'} upgrade() made (schema and rows) stays, so undo that by"
        f" hand too, or the next upgrade runs {'it' if one else 'them'} again over it"
    )
