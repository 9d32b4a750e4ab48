"""The rule `sqlite-batch-loses-object` for downgrade(): a batch block there that recreates a
table loses a trigger the downgrade should give back, and nothing after it in downgrade() makes
it again.

The upgrade's batch losses are found by following an offline run (lint/_sqlite_rebuilds.py);
the lint runs no downgrade, so these are read from the revision files with the step reader
(inspection/_revision_column_drops.py), as lint/_existing_triggers.py reads them. A downgrade
gives back what the revisions below it built: a trigger there before the revision's upgrade(),
on the table a downgrade batch recreates, that the downgrade does not make again after the
batch, is gone after the downgrade, silently (making it before the batch is the usual slip).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from alembic_steward.lint._existing_triggers import Alive, follow
from alembic_steward.lint._findings import Finding
from alembic_steward.lint._sqlite_rebuilds import RULE
from alembic_steward.lint._trace import RevisionTrace


def downgrade_loss_findings(
    revisions: Iterable[tuple[Path, str]], linted: set[Path]
) -> Iterator[Finding]:
    """Yield a finding at each downgrade() batch block of a ``linted`` revision that loses a
    trigger the revisions below it built; ``revisions``: (path, file text), oldest first."""
    from alembic_steward.inspection._revision_column_drops import function_steps

    alive: dict[str, Alive] = {}
    for path, source in revisions:
        before = dict(alive)
        # The downgrade starts from what the upgrade leaves once its own batch losses are made
        # again (lint/_sqlite_rebuilds.py reports those): both are said in one run.
        state = dict(alive)
        for step in function_steps(source, "upgrade"):
            follow(step, path, alive)
            follow(step._replace(rebuilt=""), path, state)
        if path not in linted:
            continue
        lost: dict[str, tuple[int, str]] = {}  # name -> (the batch's line, its table)
        for step in function_steps(source, "downgrade"):
            if step.rebuilt:
                table = step.rebuilt.lower()
                lost |= {name: (step.line, table) for name, t in state.items() if t.table == table}
            follow(step, path, state)
            for name in [name for name in lost if name in state]:
                del lost[name]
        for name, (line, table) in lost.items():
            if name in before:
                yield finding(path, line, name, table, before[name])


def finding(path: Path, line: int, name: str, table: str, below: Alive) -> Finding:
    why = (
        f"this batch block in downgrade() makes SQLite's batch mode recreate table {table},"
        f" which drops trigger {name} without a word, and downgrade() does not make it again"
        " after the block: the downgrade succeeds, and the database then lacks what the"
        " revision below builds"
    )
    call = "`op.execute` its CREATE statement as the revision below built it"
    if below.renamed and below.text:
        # SQLite rewrote it on a table rename: the revision file's statement is stale.
        call = f"as the table renames left it: `op.execute({below.text!r})`"
    safe = (
        f"make trigger {name} again in downgrade(), after the `with op.batch_alter_table(...)`"
        f" block ({call}), not before"
    )
    return Finding(path, line, RULE, why, safe)


def downgrade_rebuilds(sources: Iterable[str]) -> bool:
    """Whether a downgrade() of ``sources`` (revision file texts) has a batch block that
    recreates its table: only then are the revisions below traced for what it may lose."""
    from alembic_steward.inspection._revision_column_drops import function_steps

    return any(step.rebuilt for source in sources for step in function_steps(source, "downgrade"))


def downgrade_index_findings(
    script: Any, history: list[tuple[Path, RevisionTrace]], linted: set[Path]
) -> Iterator[Finding]:
    """Yield a finding at each downgrade() batch block of a ``linted`` revision that loses an
    index the revisions below it built (an expression index, an index's DESC order or
    COLLATE): the upgrade rule's knowledge (lint/_sqlite_rebuilds.py) over each downgrade()'s
    operations, recorded by calling it on an offline SQLite context. ``history``: the upgrade
    traces, oldest first. Triggers are the text reader's, above."""
    from alembic_steward.lint._sqlite_rebuilds import finding, replay

    revisions = {Path(each.path): each for each in script.walk_revisions()}
    made: dict = {}
    for path, trace in history:
        before = copy.deepcopy(made)
        replay(trace.operations, path, made)
        if path not in linted or path not in revisions:
            continue
        operations = downgrade_operations(revisions[path], path)
        lost = replay(operations, path, copy.deepcopy(made))
        for name, loss in lost.items():
            if loss.made.kind == "index" and name in before:
                yield finding(path, loss, "downgrade")


def downgrade_operations(revision: Any, path: Path) -> list:
    """The operations ``revision``'s downgrade() calls, up to where it stops when run offline
    (it reads the database, or raises): none are performed, so a batch reflects nothing."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from alembic_steward.lint._trace import (
        RevisionTracer,
        quiet_alembic_logging,
        recording_operations,
    )

    tracer = RevisionTracer([path])
    with quiet_alembic_logging():
        context = MigrationContext.configure(
            dialect_name="sqlite", opts={"as_sql": True, "output_buffer": tracer}
        )
    operations = Operations(context)
    try:
        downgrade = revision.module.downgrade
        with recording_operations(tracer, perform=False), quiet_alembic_logging():
            operations._install_proxy()
            try:
                downgrade()
            finally:
                operations._remove_proxy()
    except Exception:  # noqa: BLE001 - what ran before the stop is still read
        pass
    trace = tracer.traces.get(path)
    return trace.operations if trace is not None else []
