"""The rule `sqlite-batch-loses-object`: a batch operation whose table rebuild drops a trigger.

SQLite's batch mode recreates a table (a copy, the old one dropped, the copy renamed) from what
SQLAlchemy reflects, so a trigger on the table and an index on an expression are gone after it,
silently: the upgrade succeeds and every later description agrees (inspection/_lost_objects.py).
A view or another table's trigger that reads the table is not lost: SQLite refuses the rename
and the upgrade fails loudly. The lint runs offline, with no database built, so the rule follows
what the history's operations make: each trigger or expression index a revision creates
(`op.execute` of its CREATE statement, or `op.create_index` on an expression), drops or moves,
and each batch that recreates a table. One the batch loses and its revision does not create
again after it is a finding at the batch. The revisions below the selection are traced too
(offline, their operations only), so `inv db.lint` of the unapplied ones sees an old trigger.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic_steward.lint._findings import Finding
from alembic_steward.lint._selection import (
    Selection,
    heads_of,
    oldest_first,
    revisions_below,
)
from alembic_steward.lint._table_renames import RENAME, with_table_renamed
from alembic_steward.lint._trace import RecordedOperation, RevisionTrace

RULE = "sqlite-batch-loses-object"
NAME = r"[\"`\[]?(\w+)[\"`\]]?"
QUALIFIED = rf"(?:[\"`\[]?\w+[\"`\]]?\.)?{NAME}"
CREATE_TRIGGER = re.compile(
    rf"\bCREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?{QUALIFIED}"
    rf".*?\bON\s+{QUALIFIED}",
    re.IGNORECASE | re.DOTALL,
)
CREATE_INDEX = re.compile(
    rf"\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?{QUALIFIED}\s+ON\s+{QUALIFIED}"
    r"\s*\((.*)\)",
    re.IGNORECASE | re.DOTALL,
)
DROP = re.compile(
    rf"\bDROP\s+(TRIGGER|INDEX|TABLE)\s+(?:IF\s+EXISTS\s+)?{QUALIFIED}", re.IGNORECASE
)


@dataclass
class Made:
    """A trigger or expression index some revision made, on ``table``."""

    kind: str
    table: str
    path: Path
    line: int
    # Its CREATE statement, where an `op.execute` gave it, as the table renames since left it.
    statement: str = ""
    # What the rebuild takes from it when it keeps the index ("its DESC order"); "" when the
    # rebuild drops it whole (a trigger, an expression index).
    loses: str = ""
    # Whether a table rename rewrote ``statement``: the revision file's text is then not it.
    renamed: bool = False


@dataclass
class Loss:
    """What a batch in the revision being followed lost, until the revision makes it again."""

    made: Made
    name: str
    batch_line: int
    operation: str
    # The columns the batch drops that its statement names: made again as it was, it fails.
    gone: tuple[str, ...] = ()


def history_traces(
    config: Any,
    script: Any,
    selection: Selection,
    traces: dict[Path, RevisionTrace],
    downgrade_rebuilds: bool = False,
) -> list[tuple[Path, RevisionTrace]]:
    """``traces`` and those of the revisions below the selection, in upgrade order; those are
    traced only when a selected revision has a batch that recreates its table (in its upgrade,
    or in its downgrade: ``downgrade_rebuilds``), the one case that reads them (autogenerate's
    batch of a plain `add_column` does not)."""
    below: dict[Path, RevisionTrace] = {}
    rebuilds = downgrade_rebuilds or any(map(has_rebuild, traces.values()))
    if selection.applied and rebuilds:
        below = traces_below(config, script, selection.applied)
    every = below | traces
    return [
        (Path(s.path), every[Path(s.path)]) for s in oldest_first(script) if Path(s.path) in every
    ]


def has_rebuild(trace: RevisionTrace) -> bool:
    steps = in_steps(trace.operations)
    return any(step[0].batch is not None and recreates(step[0].batch, step) for step in steps)


def traces_below(config: Any, script: Any, applied: frozenset[str]) -> dict[Path, RevisionTrace]:
    """The operations of the ``applied`` revisions, run offline up to each of their heads."""
    from alembic_steward.lint._offline_runs import trace_selection

    scripts = [s for s in oldest_first(script) if s.revision in applied]
    traced: dict[Path, RevisionTrace] = {}
    done: frozenset[str] = frozenset()
    for head in heads_of(script, applied):
        runs = trace_selection(config, script, Selection(scripts, done, head), want_sql=False)
        traced |= runs.traces
        done |= revisions_below(script, head)
    return traced


def batch_loss_findings(
    traces: Iterable[tuple[Path, RevisionTrace]], linted: set[Path]
) -> Iterator[Finding]:
    """Yield a finding for each object a batch in a ``linted`` revision loses for good;
    ``traces`` are every traced revision, in upgrade order."""
    made: dict[str, Made] = {}
    for path, trace in traces:
        losses = replay(trace.operations, path, made)
        if path in linted:
            yield from (finding(path, loss) for loss in losses.values())


def replay(operations: list[RecordedOperation], path: Path, made: dict[str, Made]) -> dict:
    """Follow one function's ``operations`` (of the revision at ``path``) over ``made``; return
    what its batches lost and it did not make again after them, by name."""
    from alembic_steward.inspection._lost_objects import named_columns

    losses: dict[str, Loss] = {}
    for step in in_steps(operations):
        first = step[0]
        if first.batch is None:
            follow(first, path, made, losses)
            continue
        if not recreates(first.batch, step):
            continue
        table = first.batch.table_name.lower()
        removed = dropped_columns(step)
        for name, object_made in list(made.items()):
            if object_made.table == table:
                del made[name]
                gone = named_columns(object_made.statement, removed)
                losses[name] = Loss(object_made, name, first.line, method(first), gone)
    return losses


def in_steps(operations: list[RecordedOperation]) -> Iterator[list[RecordedOperation]]:
    """Each operation alone, except one batch's operations together (its table is recreated
    once, when the block ends)."""
    step: list[RecordedOperation] = []
    for recorded in operations:
        if step and (recorded.batch is None or recorded.batch is not step[0].batch):
            yield step
            step = []
        step.append(recorded)
        if recorded.batch is None:
            yield step
            step = []
    if step:
        yield step


def dropped_columns(operations: list[RecordedOperation]) -> list[str]:
    """The columns one batch's ``operations`` drop, lower case."""
    from alembic.operations import ops

    return [
        recorded.operation.column_name.lower()
        for recorded in operations
        if isinstance(recorded.operation, ops.DropColumnOp)
    ]


def recreates(batch: Any, operations: list[RecordedOperation]) -> bool:
    """Whether the batch recreates its table: Alembic's SQLite rule (`recreate="auto"`
    recreates for anything but indexes and a plain `add_column`)."""
    from alembic.operations import ops
    from sqlalchemy import Computed
    from sqlalchemy.sql import ClauseElement

    if batch.recreate != "auto":
        return batch.recreate == "always"
    for recorded in operations:
        operation = recorded.operation
        if isinstance(operation, ops.AddColumnOp):
            default = operation.column.server_default
            if isinstance(getattr(default, "arg", None), ClauseElement) or (
                isinstance(default, Computed) and default.persisted
            ):
                return True
        elif not isinstance(operation, ops.CreateIndexOp | ops.DropIndexOp):
            return True
    return False


def follow(recorded: RecordedOperation, path: Path, made: dict, losses: dict) -> None:
    """Update ``made`` (and ``losses``) by one operation outside a batch."""
    from alembic.operations import ops

    operation = recorded.operation
    if isinstance(operation, ops.ExecuteSQLOp):
        follow_sql(str(operation.sqltext), path, recorded.line, made, losses)
    elif isinstance(operation, ops.CreateIndexOp):
        name = str(operation.index_name).lower()
        made.pop(name, None)
        losses.pop(name, None)
        columns = [str(column) for column in operation.columns]
        if (
            any(not isinstance(column, str) for column in operation.columns)
            and (loses := rebuild_loss(columns)) is not None
        ):
            table = operation.table_name.lower()
            made[name] = Made("index", table, path, recorded.line, loses=loses)
    elif isinstance(operation, ops.DropIndexOp):
        made.pop(str(operation.index_name).lower(), None)
    elif isinstance(operation, ops.DropTableOp):
        drop_table(operation.table_name.lower(), made)
    elif isinstance(operation, ops.RenameTableOp):
        rename_table(operation.table_name.lower(), operation.new_table_name.lower(), made)


def statements(sql: str) -> Iterator[str]:
    """``sql``'s statements, a trigger's whole (its body's `;` up to its END kept in it)."""
    pieces = sql.split(";")
    while pieces:
        statement = pieces.pop(0)
        if CREATE_TRIGGER.search(statement):
            while pieces and not re.match(r"\s*END\b", statement.split(";")[-1], re.I):
                statement += ";" + pieces.pop(0)
        yield statement


def follow_sql(sql: str, path: Path, line: int, made: dict, losses: dict) -> None:
    for statement in statements(sql):
        if created := CREATE_TRIGGER.search(statement):
            name = created.group(1).lower()
            made[name] = Made("trigger", created.group(2).lower(), path, line, statement)
            losses.pop(name, None)
        elif created := CREATE_INDEX.search(statement):
            name = created.group(1).lower()
            made.pop(name, None)
            losses.pop(name, None)
            loses = rebuild_loss(created.group(3).split(","))
            if loses is not None:
                table = created.group(2).lower()
                made[name] = Made("index", table, path, line, statement, loses)
        elif dropped := DROP.search(statement):
            kind, name = dropped.group(1).lower(), dropped.group(2).lower()
            if kind == "table":
                drop_table(name, made)
            else:
                made.pop(name, None)
                losses.pop(name, None)
        elif renamed := RENAME.search(statement):
            rename_table(renamed.group(1).lower(), renamed.group(2).lower(), made)


def rebuild_loss(columns: Iterable[str]) -> str | None:
    """What SQLite's batch rebuild takes from an index on ``columns`` (each one's SQL): "" the
    whole index (an expression SQLAlchemy does not reflect), "its DESC order" or "its COLLATE"
    (reflected as the plain column: inspection/_lost_objects.py), None nothing."""
    from alembic_steward.inspection._lost_objects import rebuild_takes

    texts = list(columns)
    if any("(" in text for text in texts):
        return ""
    return rebuild_takes(", ".join(texts)) or None


def drop_table(table: str, made: dict[str, Made]) -> None:
    for name in [name for name, object_made in made.items() if object_made.table == table]:
        del made[name]


def rename_table(old: str, new: str, made: dict[str, Made]) -> None:
    """Follow SQLite's RENAME of table ``old``: what is on it moves to ``new``, and each
    statement naming it is rewritten (lint/_table_renames.py)."""
    for object_made in made.values():
        if object_made.table == old:
            object_made.table = new
        renamed = with_table_renamed(object_made.statement, old, new)
        object_made.renamed |= renamed != object_made.statement
        object_made.statement = renamed


def method(recorded: RecordedOperation) -> str:
    names = [n for n in dir(type(recorded.operation)) if n.startswith("batch_")]
    return names[0] if names else "batch_op"


def finding(path: Path, loss: Loss, function: str = "upgrade") -> Finding:
    """The finding at the batch of ``function`` (`upgrade`, `downgrade`) that lost ``loss``."""
    made = loss.made
    origin = "this revision" if made.path == path else f"revision file {made.path.name}"
    call = "`op.execute` its CREATE statement" + (
        " again" if made.kind == "trigger" else ", or `op.create_index` it, again"
    )
    if made.renamed:
        # SQLite rewrote it on a table rename: the statement in the revision file is stale.
        call = f"as the table renames since left it: `op.execute({made.statement.strip()!r})`"
    what = f"drops {made.kind} {loss.name}"
    if made.loses:
        # The index stays, plain: made again, it needs its plain copy dropped first.
        what = f"makes index {loss.name} again without {made.loses}"
        call = "`op.drop_index` it, then `op.create_index` it as it was"
    outcome = (
        "the upgrade succeeds and the database then matches what the revisions build, without it"
        if function == "upgrade"
        else "the downgrade succeeds, and the database then differs from what the revision below"
        " builds"
    )
    why = (
        f"{loss.operation.replace('batch_', 'batch_op.')}"
        + (" in downgrade()" if function == "downgrade" else "")
        + f" makes SQLite's batch mode recreate table {made.table}, which {what} ({origin},"
        f" line {made.line}) without a word: {outcome}"
    )
    where = "this revision" if function == "upgrade" else "downgrade()"
    safe = (
        f"make {made.kind} {loss.name} again in {where}, after the"
        f" `with op.batch_alter_table(...)` block ({call})"
    )
    if loss.gone:
        # Its statement as it was names what the block drops: it would fail when it fires.
        columns = " and ".join(f"{made.table}.{column}" for column in loss.gone)
        safe = (
            f"make {made.kind} {loss.name} again in {where}, after the"
            f" `with op.batch_alter_table(...)` block, from its CREATE statement written without"
            f" {columns}, which the block drops (as it was, it would fail whenever it fires), or"
            f" drop it by name if it should go"
        )
    return Finding(path, loss.batch_line, RULE, why, safe)
