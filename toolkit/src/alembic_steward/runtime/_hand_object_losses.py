"""SQLite: after `inv db.upgrade`, the indexes, views and triggers made by hand that the run
dropped, each on a `lost:` line with the statement that makes it again.

Batch mode's copy of a table drops its triggers, and an expression index SQLAlchemy cannot
reflect, and the run passes: the step's warning (runtime/_batch_losses.py) advises the revision,
which cannot bring back an object no revision makes. So the schema is read before the run and
after (one sqlite_master query each); an object gone that no revision file names is the hand's,
named with its CREATE statement as the batch copy met it (runtime/_batch_losses.py: after a
RENAME of its table rewrote it, so that it runs after the run), else as read before. Status
predicts the same loss before the run (inspection/_sqlite_schema_copy.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy import Connection, Engine

Entry = tuple[str, str, str, str]


def hand_kind_entries(connection: Connection) -> tuple[Entry, ...]:
    """The indexes, views and triggers with a statement: (type, name, table, sql)."""
    from alembic_steward.inspection._sqlite_schema_copy import HAND_KINDS, schema_entries

    return tuple(entry for entry in schema_entries(connection) if entry[0] in HAND_KINDS)


def lost_hand_objects(
    engine: Engine, before: Sequence[Entry], at_copy: Mapping[tuple[str, str], tuple[str, str]]
) -> list[Entry]:
    """The entries of ``before`` the database lacks now that no revision file names, each with
    its table and statement as a batch copy met it last (``at_copy``), if one did."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._names_in_text import names
    from alembic_steward.inspection._run_leftovers import revisions_text

    if not before:
        return []
    try:
        with engine.connect() as connection:
            after = {(kind, name.lower()) for kind, name, *_ in hand_kind_entries(connection)}
            connection.rollback()
    except SQLAlchemyError:
        return []
    gone = [entry for entry in before if (entry[0], entry[1].lower()) not in after]
    if not gone:
        return []
    text = revisions_text([], ["heads"])
    return [as_copied(entry, at_copy) for entry in gone if not names(text, entry[1])]


def as_copied(entry: Entry, at_copy: Mapping[tuple[str, str], tuple[str, str]]) -> Entry:
    kind, name, table, sql = entry
    table, sql = at_copy.get((kind, name.lower()), (table, sql))
    return kind, name, table, sql


def lost_after_upgrade(before: object) -> list[str]:
    """The `lost:` lines for what the upgrade dropped of ``before`` (the look's reading before
    the run, runtime/_post_upgrade_look.py); none off SQLite."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._post_upgrade_look import SqliteBefore

    if not isinstance(before, SqliteBefore):
        return []
    at_copy = before.at_copy or {}
    return lost_lines(lost_hand_objects(get_blocking_engine(), before.objects, at_copy))


def lost_lines(entries: Sequence[Entry]) -> list[str]:
    """`lost:    trigger t.thand, made by hand, ...`, one per entry."""
    from alembic_steward.runtime._advice import advised

    lines = []
    for kind, name, table, sql in entries:
        subject = name if kind == "view" else f"{table}.{name}"
        how = "" if kind == "view" else f" (SQLite's batch mode recreates table {table} without it)"
        # A new revision, not the one that ran (an edit of it is an edited applied revision),
        # and not by hand as well (the new revision's CREATE would then fail on it).
        write = advised(f'db.revision --empty -m "keep {name}"', f'revision -m "keep {name}"')
        upgrade = advised("db.upgrade", "upgrade head")
        lines.append(
            f"lost:    {kind} {subject}, made by hand (no revision makes it), was dropped by this"
            f" upgrade{how}: to keep it, write a new revision ({write}) whose upgrade() runs"
            f" `op.execute({sql!r})` and downgrade() drops it, then {upgrade} (made again by"
            " hand instead, it stays a difference that status and check report)"
        )
    return lines
