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
    """A trigger a batch recreation lost: its name, its table, who made it, who recreated,
    its CREATE statement, and the columns of its table the revisions drop (lower case)."""

    name: str
    table: str
    made_by: str
    rebuilt_by: str
    statement: str = ""
    dropped: frozenset[str] = frozenset()


# Said of a lost trigger whose statement names a column that is gone; the advice then says to
# write it without them (lost_advice).
GONE = "which is gone"


def batch_losses(revisions: Sequence[tuple[str, str]]) -> list[Lost]:
    """The triggers ``revisions`` ((revision, file text), oldest first) make and a later batch
    recreation of their table loses, with nothing making them again after it."""
    from alembic_steward.inspection._revision_column_drops import made_and_dropped, upgrade_steps

    alive: dict[str, tuple[str, str, str]] = {}  # name -> (table, made by, statement)
    lost: dict[str, Lost] = {}
    dropped: set[tuple[str, str]] = set()
    for revision, source in revisions:
        for step in upgrade_steps(source):
            if step.dropped:
                dropped.add((step.dropped[0].lower(), step.dropped[1].lower()))
            if step.dropped_table:
                gone = step.dropped_table.lower()
                alive = {name: made for name, made in alive.items() if made[0] != gone}
            if step.rebuilt:
                table = step.rebuilt.lower()
                for name, (on, made_by, statement) in list(alive.items()):
                    if on == table:
                        del alive[name]
                        lost[name] = Lost(name, table, made_by, revision, statement)
            for kind, name, made in made_and_dropped(revision, step.sql):
                if kind != "TRIGGER":
                    continue
                lost.pop(name, None)
                alive.pop(name, None)
                if made is not None:
                    alive[name] = (made.table, revision, made.text)
    return [
        each._replace(dropped=frozenset(c for t, c in dropped if t == each.table))
        for each in lost.values()
    ]


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
        lost_line(lost, gone_columns(connection, lost))
        for lost in losses
        if lost.name not in triggers and lost.table in tables
    )


def gone_columns(connection: Connection, lost: Lost) -> tuple[str, ...]:
    """The columns a revision dropped from ``lost``'s table, that its table lacks now, and
    that its statement names: made again as it was, it would fail whenever it fires."""
    from alembic_steward.inspection._lost_objects import named_columns

    if not lost.dropped:
        return ()
    rows = connection.exec_driver_sql(f"PRAGMA table_info('{lost.table}')").fetchall()
    there = {row[1].lower() for row in rows}
    return named_columns(lost.statement, lost.dropped - there)


def lost_line(lost: Lost, gone: Sequence[str] = ()) -> str:
    line = (
        f"trigger {lost.table}.{lost.name}, made by revision {lost.made_by}, is in no database"
        f" the revisions build: revision {lost.rebuilt_by}'s batch mode recreated table"
        f" {lost.table} without it (SQLite copies a table without its triggers)"
    )
    if gone:
        columns = " and ".join(f"{lost.table}.{column}" for column in gone)
        line += (
            f"; its statement names {columns}, {GONE if len(gone) == 1 else 'which are gone'}:"
            " made again as it was, it fails whenever it fires"
        )
    return line


def lost_advice(lost: Sequence[str]) -> str:
    them = "it" if len(lost) == 1 else "them"
    if any(GONE in line or "which are gone" in line for line in lost):
        # The statement its revision wrote names what is gone: it is not the one to run.
        return (
            f'make {them} again in a new revision (`op.execute("CREATE TRIGGER ...")`), from'
            f" the statement of the revision that made {them} written without the gone column(s)"
            f" named above, if the migrations should keep {them}; else leave {them} gone"
        )
    return (
        f'make {them} again in a new revision (`op.execute("CREATE TRIGGER ...")`, the'
        f" statement of the revision that made {them}) if the migrations should keep {them}"
    )
