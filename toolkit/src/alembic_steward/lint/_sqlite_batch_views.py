"""The rule `sqlite-batch-blocked-by-view`: a batch block that recreates a table a view reads.

SQLite's batch mode copies the table, drops it and renames the copy; the rename checks every
view, and one that reads the table fails it (`error in view v: no such table: main.t`): the
upgrade or downgrade stops there, and `inv db.revision` or the stairway test were the first to
say so. Read from the revision files with the step reader of their column drops
(inspection/_revision_column_drops.py), as lint/_existing_triggers.py reads triggers: the
views each function's SQL makes and drops, in order, from what the revisions before it leave
(a downgrade() from what its upgrade() leaves), and each batch block that recreates its table.
SQL built at run time is not read: this errs towards saying nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from alembic_steward.lint._findings import Finding

RULE = "sqlite-batch-blocked-by-view"


def batch_view_findings(script: Any, linted: set[Path]) -> list[Finding]:
    """This rule's findings for the ``linted`` revisions of ``script`` (an Alembic
    ScriptDirectory), read from the history's files oldest first."""
    from alembic_steward.inspection._revision_column_drops import history_sources

    history = [(Path(script.get_revision(r).path), r, text) for r, text in history_sources(script)]
    return list(blocked_batches(history, linted))


def blocked_batches(
    revisions: Iterable[tuple[Path, str, str]], linted: set[Path]
) -> Iterator[Finding]:
    """Yield a finding at each batch block of a ``linted`` revision that recreates a table a
    view there at that point reads; ``revisions``: (path, revision, file text), oldest first."""
    from alembic_steward.inspection._names_in_text import names
    from alembic_steward.inspection._revision_column_drops import (
        VIEWS,
        Made,
        function_steps,
        made_and_dropped,
    )
    from alembic_steward.inspection._sql_code import code_of

    alive: dict[str, Made] = {}
    for path, revision, source in revisions:
        for function in ("upgrade", "downgrade"):
            state = dict(alive)
            for step in function_steps(source, function):
                for kind, name, made in made_and_dropped(revision, step.sql):
                    if kind in VIEWS:
                        state.pop(name, None)
                        if made is not None:
                            state[name] = made
                table = step.rebuilt.lower()
                if not table or path not in linted:
                    continue
                for made in state.values():
                    if names(code_of(made.text, "sqlite"), table):
                        yield finding(path, step.line, function, table, made)
            if function == "upgrade":
                alive = state


def finding(path: Path, line: int, function: str, table: str, made: Any) -> Finding:
    why = (
        f"this batch block in {function}() makes SQLite's batch mode recreate table {table},"
        f" and view {made.name} (made by revision {made.revision}) reads table {table}: renaming"
        f" the copy fails (`error in view {made.name}: no such table: main.{table}`), and the"
        f" {function[:-2]} with it"
    )
    safe = (
        f'`op.execute("DROP VIEW {made.name}")` before the `with op.batch_alter_table(...)`'
        f" block, and after it `op.execute` the view's CREATE statement again, in {function}()"
    )
    return Finding(path, line, RULE, why, safe)
