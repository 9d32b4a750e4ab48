"""SQLite: the triggers a revision made that a later revision's batch mode lost for good.

Batch mode copies a table without its triggers (inspection/_lost_objects.py); the run that does
it warns once (runtime/_batch_losses.py). Every scratch build loses the trigger the same way, so
no comparison sees it afterwards, and `inv db.status` said `up to date`. Read from the applied
revisions' upgrade() instead, in order, with the reader that finds their column drops
(inspection/_revision_column_drops.py: SQL made or dropped, batch blocks that recreate a
table; downgrade() and comments are not read): a trigger a revision makes, on a table a later
step recreates before any makes it again or drops it, that the database lacks while it has the
table. Only on SQLite, at head, one sqlite_master query when one of them makes a trigger. A
trigger dropped by hand is not one: its revision's build has it, and the comparison names it.
Said beside the verdict, like `broken:`, its exit code unchanged (docs/decisions.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection


class Lost(NamedTuple):
    """A trigger a batch recreation lost: its name, its table, who made it, who recreated."""

    name: str
    table: str
    made_by: str
    rebuilt_by: str


def batch_losses(revisions: Sequence[tuple[str, str]]) -> list[Lost]:
    """The triggers ``revisions`` ((revision, file text), oldest first) make and a later batch
    recreation of their table loses, with nothing making them again after it."""
    from alembic_steward.inspection._revision_column_drops import made_and_dropped, upgrade_steps

    alive: dict[str, tuple[str, str]] = {}  # name -> (table, made by)
    lost: dict[str, Lost] = {}
    for revision, source in revisions:
        for step in upgrade_steps(source):
            if step.dropped_table:
                gone = step.dropped_table.lower()
                alive = {name: made for name, made in alive.items() if made[0] != gone}
            if step.rebuilt:
                table = step.rebuilt.lower()
                for name, (on, made_by) in list(alive.items()):
                    if on == table:
                        del alive[name]
                        lost[name] = Lost(name, table, made_by, revision)
            for kind, name, made in made_and_dropped(revision, step.sql):
                if kind != "TRIGGER":
                    continue
                lost.pop(name, None)
                alive.pop(name, None)
                if made is not None:
                    alive[name] = (made.table, revision)
    return list(lost.values())


def lost_triggers(
    connection: Connection, script: ScriptDirectory, current: Sequence[str]
) -> tuple[str, ...]:
    """One line per trigger the applied revisions made that batch mode lost (see above)."""
    if connection.dialect.name != "sqlite":
        return ()
    built = [revision for revision in current if revision != "base"]
    if not built:
        return ()
    try:
        walked = list(reversed(list(script.iterate_revisions(built, "base"))))
        texts = [(each.revision, Path(each.path).read_text(encoding="utf-8")) for each in walked]
    except Exception:  # noqa: BLE001 - unread history: nothing is claimed
        return ()
    losses = batch_losses(texts)
    if not losses:
        return ()
    rows = connection.exec_driver_sql("SELECT type, lower(name) FROM sqlite_master").fetchall()
    triggers = {name for kind, name in rows if kind == "trigger"}
    tables = {name for kind, name in rows if kind == "table"}
    return tuple(
        lost_line(lost.name, lost.table, lost.made_by, lost.rebuilt_by)
        for lost in losses
        if lost.name not in triggers and lost.table in tables
    )


def lost_line(name: str, table: str, made_by: str, rebuilt_by: str) -> str:
    return (
        f"trigger {table}.{name}, made by revision {made_by}, is in no database the revisions"
        f" build: revision {rebuilt_by}'s batch mode recreated table {table} without it (SQLite"
        " copies a table without its triggers)"
    )


def lost_advice(lost: Sequence[str]) -> str:
    them = "it" if len(lost) == 1 else "them"
    return (
        f'make {them} again in a new revision (`op.execute("CREATE TRIGGER ...")`, the'
        f" statement of the revision that made {them}) if the migrations should keep {them}"
    )
