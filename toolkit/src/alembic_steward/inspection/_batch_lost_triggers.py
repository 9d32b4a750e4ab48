"""SQLite: the triggers a revision made that a later revision's batch mode lost for good.

Batch mode copies a table without its triggers (inspection/_lost_objects.py); the run that does
it warns once (runtime/_batch_losses.py). Every scratch build loses the trigger the same way, so
no comparison sees it afterwards, and `inv db.status` said `up to date`. Read from the applied
revisions' text instead (only on SQLite, at head, one sqlite_master query when one of them has a
`CREATE TRIGGER`): a trigger one creates, on a table a later one rebuilds with
batch_alter_table, that no revision drops by name and the database lacks while it has the
table. A trigger dropped by hand is not one: its revision's build has it, and the comparison
names it. Said beside the verdict, like `broken:`, its exit code unchanged (docs/decisions.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

CREATED = re.compile(
    r"CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`\[]?(\w+)[\"`\]]?"
    r"[^;]*?\bON\s+[\"`\[]?(\w+)",
    re.IGNORECASE | re.DOTALL,
)


def batch_rebuilds(text: str, table: str) -> bool:
    """Whether a revision's ``text`` runs batch_alter_table on ``table``."""
    return re.search(rf"batch_alter_table\(\s*[\"']{re.escape(table)}[\"']", text) is not None


def drops_trigger(text: str, name: str) -> bool:
    pattern = rf"DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?[\"`\[]?{re.escape(name)}\b"
    return re.search(pattern, text, re.IGNORECASE) is not None


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
    made = [(revision, found) for revision, text in texts for found in CREATED.finditer(text)]
    if not made:
        return ()
    rows = connection.exec_driver_sql("SELECT type, lower(name) FROM sqlite_master").fetchall()
    triggers = {name for kind, name in rows if kind == "trigger"}
    tables = {name for kind, name in rows if kind == "table"}
    lines = []
    for revision, found in made:
        name, table = found.group(1), found.group(2)
        if name.lower() in triggers or table.lower() not in tables:
            continue
        later = [text for each, text in texts[index_of(texts, revision) + 1 :]]
        if any(drops_trigger(text, name) for text in later):
            continue
        rebuilt = [
            each
            for each, text in texts[index_of(texts, revision) + 1 :]
            if batch_rebuilds(text, table)
        ]
        if rebuilt:
            lines.append(lost_line(name, table, revision, rebuilt[0]))
    return tuple(dict.fromkeys(lines))


def index_of(texts: list[tuple[str, str]], revision: str) -> int:
    return next(index for index, (each, _) in enumerate(texts) if each == revision)


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
