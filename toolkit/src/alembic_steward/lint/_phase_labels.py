"""The lint's phase rules: a revision labelled expand must not contract, and a label is one of two.

`upgrade --phase expand` runs an expand revision before the new code is out, and an older
release's start-up guard accepts a database it ran on: a drop or a rename in it breaks that
older code. Raw SQL and operations this toolkit does not know are not judged here (a backfill
in an expand revision is the pattern); a missing label is no finding: it counts as contract,
which is safe (runtime/_phase_labels.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic_steward.lint._findings import Finding
from alembic_steward.lint._trace import RevisionTrace
from alembic_steward.runtime._phase_labels import CONTRACT, EXPAND, PHASE_LINE, PHASES

CONTRACT_IN_EXPAND = "contract-operation-in-expand"
EXPAND_ONLY_IN_CONTRACT = "expand-only-in-contract"
UNKNOWN_PHASE = "unknown-phase"
RULES = (CONTRACT_IN_EXPAND, EXPAND_ONLY_IN_CONTRACT, UNKNOWN_PHASE)


def phase_findings(path: Path, trace: RevisionTrace | None) -> Iterator[Finding]:
    """Yield a finding for an unknown label, and for each contract operation of a revision
    labelled expand (``trace``: its recorded operations, None when it was not traced)."""
    text = path.read_text(encoding="utf-8")
    match = PHASE_LINE.search(text)
    if match is None:
        return
    label, line = match.group(1), text.count("\n", 0, match.start()) + 1
    if label not in PHASES:
        yield Finding(
            path,
            line,
            UNKNOWN_PHASE,
            f"the phase {label!r} is neither expand nor contract, so the revision counts as"
            " contract",
            'write `phase: str = "expand"` if the previous release\'s code keeps working once'
            ' it has run, else `phase: str = "contract"`',
        )
    if label == CONTRACT and trace is not None and only_expand(trace):
        # The new release's pods start before `upgrade --phase contract` runs (the guard
        # accepts a database behind by contract revisions only): they would lack what this adds.
        yield Finding(
            path,
            line,
            EXPAND_ONLY_IN_CONTRACT,
            "every operation here only adds, but the revision is labelled contract: the new"
            " release starts before contract revisions run, so it would start without them",
            'label the revision `phase: str = "expand"`',
        )
    if label != EXPAND or trace is None:
        return
    created: set[str] = set()
    for recorded in trace.operations:
        operation = recorded.operation
        if getattr(operation, "table_name", None) in created:
            continue  # a table this revision created: no older code uses it
        if surely_contract(operation):
            yield Finding(
                path,
                recorded.line,
                CONTRACT_IN_EXPAND,
                f"{type(operation).__name__} in a revision labelled expand: the previous"
                " release's code may fail once it has run, and `upgrade --phase expand` runs it"
                " before the new code is out",
                'label the revision `phase: str = "contract"`, or move this operation into a'
                " contract revision after it",
            )
        if type(operation).__name__ == "CreateTableOp":
            created.add(operation.table_name)


def only_expand(trace: RevisionTrace) -> bool:
    """Whether the revision runs operations and every one of them is expand."""
    from alembic_steward.runtime._phase_rules import operation_phase

    operations = [recorded.operation for recorded in trace.operations]
    return bool(operations) and all(operation_phase(each) == EXPAND for each in operations)


def surely_contract(operation: Any) -> bool:
    """Whether an operation of a known kind is contract (raw SQL and unknown kinds are not)."""
    from alembic.operations import ops

    from alembic_steward.runtime._phase_rules import operation_phase

    known = (
        ops.DropTableOp,
        ops.DropColumnOp,
        ops.DropIndexOp,
        ops.DropConstraintOp,
        ops.RenameTableOp,
        ops.AlterColumnOp,
        ops.AddColumnOp,
    )
    return isinstance(operation, known) and operation_phase(operation) == CONTRACT
