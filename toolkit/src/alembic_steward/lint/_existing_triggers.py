"""The rule `creates-existing-trigger`: an upgrade() or downgrade() that makes a trigger which
is still there at that point, so its CREATE TRIGGER fails ("trigger ... already exists").

The way in is SQLite's batch mode: a revision dropping a column a trigger names drops the old
trigger, recreates the table and makes the new trigger after it, as its warnings advise; its
downgrade() then adds the column back in place (a plain `add_column` copies nothing), and its
CREATE of the old trigger meets the new one. Read from the revision files, never run, with the
reader of their column drops (inspection/_revision_column_drops.py): each function's SQL in
order, each batch block that recreates its table (which takes the table's triggers), and each
table rename (which moves them: lint/_table_renames.py). A revision's upgrade() starts from
what the revisions before it leave; its downgrade() from what its own upgrade() leaves. A name
is one object on SQLite and MariaDB; PostgreSQL names a trigger per table (and squawk reads its
SQL), so the rule is not run there. SQL built at run time is not read: this errs towards saying
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from alembic_steward.lint._findings import Finding

RULE = "creates-existing-trigger"
# A CREATE that does not fail over an existing trigger.
TOLERANT = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\b|(?:\S+\s+)*?TRIGGER\s+IF\s+NOT\s+EXISTS\b)", re.IGNORECASE
)


class Alive(NamedTuple):
    """A trigger there at some point: its table, where it was made (file, line), and its CREATE
    statement as the table renames since left it (lint/_table_renames.py)."""

    table: str
    path: Path
    line: int
    text: str = ""
    # Whether a table rename rewrote ``text``: the revision file's statement is then not it.
    renamed: bool = False


def trigger_order_findings(script: Any, linted: set[Path], dialect: str) -> list[Finding]:
    """This rule's findings for the ``linted`` revisions of ``script`` (an Alembic
    ScriptDirectory), and on SQLite the downgrade()s' batch losses
    (lint/_downgrade_batch_losses.py), read from the history's files oldest first."""
    from alembic_steward.inspection._revision_column_drops import history_sources
    from alembic_steward.lint._downgrade_batch_losses import downgrade_loss_findings

    history = [(Path(script.get_revision(r).path), text) for r, text in history_sources(script)]
    found = list(existing_trigger_findings(history, linted))
    if dialect == "sqlite":
        found += downgrade_loss_findings(history, linted)
    return found


def existing_trigger_findings(
    revisions: Iterable[tuple[Path, str]], linted: set[Path]
) -> Iterator[Finding]:
    """Yield a finding for each CREATE TRIGGER in a ``linted`` revision's upgrade() or
    downgrade() of a trigger there at that point; ``revisions`` are (path, file text) of the
    history, oldest first."""
    from alembic_steward.inspection._revision_column_drops import function_steps

    alive: dict[str, Alive] = {}
    for path, source in revisions:
        for function in ("upgrade", "downgrade"):
            state = dict(alive)
            for step in function_steps(source, function):
                found = follow(step, path, state)
                if found is not None and path in linted:
                    yield finding(path, function, step.line, *found)
            if function == "upgrade":
                alive = state


def follow(step, path: Path, alive: dict[str, Alive]) -> tuple[str, Alive] | None:
    """Update ``alive`` by one step; (name, what was there) when it makes one that is there.
    A table rename (SQLite's RENAME) moves the triggers on it, and rewrites those naming it."""
    from alembic_steward.inspection._revision_column_drops import made_and_dropped
    from alembic_steward.lint._table_renames import step_renames, with_table_renamed

    table = step.rebuilt or step.dropped_table
    if table:
        for name in [name for name, there in alive.items() if there.table == table.lower()]:
            del alive[name]
    clash = None
    for kind, name, made in made_and_dropped(path.name, step.sql):
        if kind != "TRIGGER":
            continue
        if made is not None and name in alive and not TOLERANT.match(made.text):
            clash = clash or (name, alive[name])
        alive.pop(name, None)
        if made is not None:
            alive[name] = Alive(made.table, path, step.line, made.text.strip().rstrip(";"))
    for old, new in step_renames(step):
        for name, there in alive.items():
            text = with_table_renamed(there.text, old, new)
            table = new if there.table == old else there.table
            alive[name] = there._replace(
                table=table, text=text, renamed=there.renamed or text != there.text
            )
    return clash


def finding(path: Path, function: str, line: int, name: str, there: Alive) -> Finding:
    where = (
        f"line {there.line} of this file"
        if there.path == path
        else f"revision file {there.path.name}"
    )
    why = (
        f"{function}() makes trigger {name}, which is there at that point (made at {where};"
        f" nothing drops it before, and no batch block recreates table {there.table}: a batch"
        " that only adds a column alters the table in place and keeps its triggers), so its"
        f' CREATE TRIGGER fails: "trigger {name} already exists"'
    )
    safe = f'`op.execute("DROP TRIGGER IF EXISTS {name}")` just before it, in {function}()'
    return Finding(path, line, RULE, why, safe)
