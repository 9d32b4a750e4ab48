"""A fan-out's report: progress while it runs, one row per tenant, the closing line and code.

The rows and the line say the same in `inv db.upgrade --all-tenants` and `python -m
app.migrations upgrade --all-tenants`; the code is :data:`FAILED_TENANTS_EXIT_CODE` when any
tenant failed, differs from the models, or (status) is not at head.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from alembic_steward.runtime._tenant_runs import TenantOutcome

# 0-12 are db.status's codes, 75 a lock wait given up, 130/143 signals: 76 is free.
FAILED_TENANTS_EXIT_CODE = 76

Progress = Callable[[int, int, int], None]


def progress_printer(stream: TextIO) -> Progress:
    """Print `tenants: DONE/TOTAL done, F failed`: rewritten in place on a terminal, else a
    line at each tenth of the run (a deploy log keeps ten lines, not hundreds)."""
    on_terminal = stream.isatty()
    shown_tenths: set[int] = set()

    def show(done: int, total: int, failed: int) -> None:
        line = f"tenants: {done}/{total} done, {failed} failed"
        if on_terminal:
            stream.write(f"\r{line}" + ("\n" if done == total else ""))
        else:
            tenth = done * 10 // total
            if tenth in shown_tenths:
                return
            shown_tenths.add(tenth)
            stream.write(f"{line}\n")
        stream.flush()

    return show


def report_table(outcomes: Sequence[TenantOutcome]) -> str:
    """The per-tenant report: tenant, outcome, revisions before and after, seconds, detail."""
    header = ("tenant", "outcome", "from", "to", "seconds", "detail")
    rows = [header] + [
        (o.tenant, o.outcome, o.before, o.after, f"{o.seconds:.2f}", o.detail) for o in outcomes
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def summary_line(outcomes: Sequence[TenantOutcome], action: str) -> tuple[int, str]:
    """The exit code and the closing line of a fan-out."""
    failed = [o.tenant for o in outcomes if o.failed]
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
    tally = ", ".join(f"{count} {name}" for name, count in counts.items())
    if failed:
        return FAILED_TENANTS_EXIT_CODE, (
            f"error: {len(failed)} of {len(outcomes)} tenants failed or did not run"
            f" ({first_named(failed)});"
            f" {tally}; the others are unaffected; fix what the report says and run the"
            f" {action} again"
            + ("" if action == "status" else ": it runs only the tenants not at the target")
        )
    drifted = [o.tenant for o in outcomes if o.outcome == "drift"]
    if drifted:
        return FAILED_TENANTS_EXIT_CODE, (
            f"error: {len(drifted)} of {len(outcomes)} tenants differ from the models"
            f" ({first_named(drifted)}; the report says how); write the revision they need"
            " with `inv db.revision`, or fix those tenants by hand"
        )
    behind = [o.tenant for o in outcomes if o.outcome == "not at head"]
    if behind:
        return FAILED_TENANTS_EXIT_CODE, (
            f"error: {len(behind)} of {len(outcomes)} tenants are not at head"
            f" ({first_named(behind)}); run the upgrade with --all-tenants"
        )
    return 0, f"{len(outcomes)} tenants: {tally}"


def first_named(tenants: Sequence[str], most: int = 10) -> str:
    """The first ``most`` tenants' names, and how many more: a line stays short at 500."""
    more = f" and {len(tenants) - most} more" if len(tenants) > most else ""
    return ", ".join(tenants[:most]) + more


def contract_pending_note(outcomes: Sequence[TenantOutcome]) -> str:
    """What to run once the expand phase left contract revisions pending, or nothing."""
    from alembic_steward.runtime._up_to_date import upgrade_command

    waiting = sum(
        not outcome.failed and outcome.detail.startswith("contract revision")
        for outcome in outcomes
    )
    if not waiting:
        return ""
    return (
        f"; {waiting} tenants have a contract revision pending: apply it once no code of the"
        f" previous release is running (`{upgrade_command()} --phase contract --all-tenants`)"
    )
