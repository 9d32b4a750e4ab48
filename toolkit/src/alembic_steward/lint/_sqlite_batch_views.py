"""The rules `sqlite-batch-blocked-by-view` and `-by-trigger`: a batch block that recreates a
table a view, or a trigger on another table, reads.

SQLite's batch mode copies the table, drops it and renames the copy; the rename checks every
view and trigger, and one that reads the table fails it (`error in view v: no such table:
main.t`, `error in trigger g: ...`): the upgrade or downgrade stops there, and `inv
db.revision` or the stairway test were the first to say so. A trigger on the table itself goes
with the table (lint/_sqlite_rebuilds.py). Read from the revision files with the step reader of
their column drops (inspection/_revision_column_drops.py), as lint/_existing_triggers.py reads
triggers: the views and triggers each function's SQL makes and drops, in order, from what the
revisions before it leave (a downgrade() from what its upgrade() leaves), and each batch block
that recreates its table. A table rename rewrites the texts naming the table, as SQLite's RENAME
does (lint/_table_renames.py), and an object made again names the revision that first made it:
a downgrade() gives it back. SQL built at run time is not read: this errs towards saying nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from alembic_steward.lint._findings import Finding

RULE = "sqlite-batch-blocked-by-view"
TRIGGER_RULE = "sqlite-batch-blocked-by-trigger"


def batch_view_findings(script: Any, linted: set[Path]) -> list[Finding]:
    """These rules' findings for the ``linted`` revisions of ``script`` (an Alembic
    ScriptDirectory), read from the history's files oldest first."""
    from alembic_steward.inspection._revision_column_drops import history_sources

    history = [(Path(script.get_revision(r).path), r, text) for r, text in history_sources(script)]
    return list(blocked_batches(history, linted))


def blocked_batches(
    revisions: Iterable[tuple[Path, str, str]], linted: set[Path]
) -> Iterator[Finding]:
    """Yield a finding at each batch block of a ``linted`` revision that recreates a table a
    view or trigger there at that point reads; ``revisions``: (path, revision, file text),
    oldest first."""
    from alembic_steward.inspection._names_in_text import names
    from alembic_steward.inspection._revision_column_drops import (
        VIEWS,
        Made,
        function_steps,
        made_and_dropped,
    )
    from alembic_steward.inspection._sql_code import code_of

    alive: dict[tuple[str, str], Made] = {}
    written: set[str] = set()  # the statements as the revision files write them
    for path, revision, source in revisions:
        before = dict(alive)
        for function in ("upgrade", "downgrade"):
            state, made_here = dict(alive), set()
            for step in function_steps(source, function):
                for kind, name, made in made_and_dropped(revision, step.sql):
                    if kind in VIEWS or kind == "TRIGGER":
                        key = ("TRIGGER" if kind == "TRIGGER" else "VIEW", name)
                        state.pop(key, None)
                        if made is not None:
                            written.add(made.text)
                            # Made again (it was there before this revision): by whom first.
                            first = before[key].revision if key in before else revision
                            state[key] = made._replace(revision=first)
                            made_here.add(key)
                follow_renames(step, state)
                table = (step.rebuilt or step.dropped_table).lower()
                # The table's own triggers go with its copy, or with it.
                for key in [k for k, m in state.items() if k[0] == "TRIGGER" and m.table == table]:
                    if table:
                        del state[key]
                if not step.rebuilt or path not in linted:
                    continue
                for key, made in state.items():
                    if names(code_of(made.text, "sqlite"), table):
                        here = "this function" if key in made_here else ""
                        if not here and made.revision == revision and function == "downgrade":
                            here = "upgrade()"
                        # The statement to make it again: a downgrade gives back the one
                        # there before this revision; quoted where no file writes it so.
                        restored = before.get(key) if function == "downgrade" else None
                        statement = (restored or made).text
                        quoted = statement if restored or statement not in written else ""
                        yield finding(
                            path, step.line, function, table, made, here, quoted, bool(restored)
                        )
            if function == "upgrade":
                alive = state


def follow_renames(step: Any, state: dict[tuple[str, str], Any]) -> None:
    """Follow ``step``'s table renames over ``state``: SQLite's RENAME rewrites each view and
    trigger naming the table (lint/_table_renames.py), and moves the triggers on it."""
    from alembic_steward.lint._table_renames import step_renames, with_table_renamed

    for old, new in step_renames(step):
        for key, made in state.items():
            table = new if made.table == old else made.table
            state[key] = made._replace(table=table, text=with_table_renamed(made.text, old, new))


def finding(
    path: Path,
    line: int,
    function: str,
    table: str,
    made: Any,
    made_by_this: str,
    statement: str = "",
    restored: bool = False,
) -> Finding:
    """The finding for ``made`` (a view or a trigger) blocking the batch block at ``line``;
    ``made_by_this``: "upgrade()" when this revision's upgrade() first made it (its
    downgrade() undoes that), "this function" when made earlier in ``function``, else empty;
    ``statement``: the CREATE statement to quote as the one to make it again with (a table
    rename rewrote it, or, ``restored``, the downgrade gives back the one there before the
    revision)."""
    kind = "trigger" if made.kind == "TRIGGER" else "view"
    drop = f'`op.execute("DROP {kind.upper()} {made.name}")`'
    why = (
        f"this batch block in {function}() makes SQLite's batch mode recreate table {table},"
        f" and {kind} {made.name} (made by revision {made.revision}) reads table {table}:"
        f" renaming the copy fails (`error in {kind} {made.name}: no such table:"
        f" main.{table}`), and {function}() with it"
    )
    if made_by_this == "upgrade()":
        safe = (
            f"{drop} before the `with op.batch_alter_table(...)` block, and not made again:"
            f" this revision's upgrade() makes the {kind}, so its downgrade() leaves it dropped"
        )
    elif made_by_this:
        safe = (
            f"make the {kind} after the `with op.batch_alter_table(...)` block, not before it,"
            f" in {function}()"
        )
    else:
        again = f"`op.execute` the {kind}'s CREATE statement again"
        if statement:
            statement = statement.strip().rstrip(";").strip()
            stood = "as it stood before this revision" if restored else "as the renames left it"
            again = f"`op.execute({statement!r})` (its CREATE statement {stood})"
        safe = (
            f"{drop} before the `with op.batch_alter_table(...)` block, and after it"
            f" {again}, in {function}()"
        )
    return Finding(path, line, TRIGGER_RULE if kind == "trigger" else RULE, why, safe)
