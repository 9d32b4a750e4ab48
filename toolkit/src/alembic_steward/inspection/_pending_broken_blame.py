"""SQLite: a pending revision that fails in a view or trigger the database had broken already.

SQLite checks every view and trigger of the schema when a table is renamed or a batch copy
takes a table's place (`error in view v_log: no such table: main.log`), so a broken view
(inspection/_sqlite_trigger_failures.py) stops a later revision whose own operations are sound.
Status's pending trial met that failure and said "fix that revision's file", which sends the
reader to the wrong file: the verdict names the object when it failed before the pending
revisions ran (read in the live database, at its revision), and advises by who made it
(inspection/_broken_advice.py): by hand, drop it; made by the revisions, the failing revision,
which has not run here, drops it first (every database built from them fails there too, so a
new revision after it would never be reached).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.inspection._broken_routines import Broken

FAILING_REVISION = re.compile(r"^revision (\S+) fails")


def broken_blamed(connection: Connection, failure: str) -> tuple[Broken, ...]:
    """The views and triggers SQLite's error in ``failure`` names that fail in ``connection``'s
    database already; () elsewhere, or when none does (or it cannot be read)."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._sqlite_schema_copy import NAMED_IN_ERROR
    from alembic_steward.inspection._sqlite_trigger_failures import broken_sqlite_objects

    if connection.dialect.name != "sqlite":
        return ()
    named = {(kind.lower(), name.lower()) for kind, name in NAMED_IN_ERROR.findall(failure)}
    if not named:
        return ()
    began = not connection.in_transaction()
    try:
        found = broken_sqlite_objects(connection)
    except SQLAlchemyError:
        return ()
    finally:
        if began:
            connection.rollback()  # a read: the connection is left as it was handed in
    return tuple(item for item in found if (item.key[0], item.key[3].lower()) in named)


def blamed_advice(failure: str, blamed: Sequence[Broken], upgrade: str) -> str:
    """The pending-trial verdict when ``failure`` is in ``blamed``, broken before it."""
    from alembic_steward.inspection._broken_advice import (
        broken_advice,
        drop_statements,
        history_upgrades,
        if_exists,
        made_by_revisions,
        subject_of_line,
    )

    them = "it" if len(blamed) == 1 else "them"
    subjects = ", ".join(subject_of_line(item.line) for item in blamed)
    named = "; ".join(item.line for item in blamed)
    revision = FAILING_REVISION.match(failure)
    failing = f"revision {revision[1]}" if revision else "the failing revision"
    made = made_by_revisions(blamed, history_upgrades())
    by_revisions = [item for item in blamed if item.line in made]
    by_hand = [item for item in blamed if item.line not in made]
    fixes = []
    if by_revisions:
        makers = sorted({revision for found in made.values() for revision in found})
        runs = " and ".join(
            f'`op.execute("{if_exists(statement)}")`' for statement in drop_statements(by_revisions)
        )
        which = ", ".join(subject_of_line(item.line) for item in by_revisions)
        fixes.append(
            f"for {which}: the revisions made {them} (revision {', '.join(makers)}) and every"
            f" database built from them fails there too, so a new revision after {failing} is"
            f" never reached: make {failing}'s upgrade() (not run here) first run {runs}, and"
            f" make {them} again after its other operations without what is gone if {them}"
            " should stay"
        )
    if by_hand:
        which = ", ".join(subject_of_line(item.line) for item in by_hand)
        lead = f"for {which}, made by hand: " if by_revisions else ""
        fixes.append(f"{lead}{broken_advice(by_hand)}")
    return (
        f"pending migrations, but {failure}: {subjects} failed before the pending revisions"
        f" ({named}), and SQLite checks every view and trigger as a table is renamed or"
        f" rebuilt, so `{upgrade}` would fail the same way, however sound {failing}'s own"
        f" operations: {'; '.join(fixes)}; then run `{upgrade}`"
    )
