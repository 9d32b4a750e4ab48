"""The lint on PostgreSQL: squawk and the enum rule over each revision's SQL, procedural code
included (the statements of DO blocks, and of the functions a revision creates and calls)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from invoke import Exit

from alembic_steward.lint._findings import Finding
from alembic_steward.lint._offline_runs import Unlinted
from alembic_steward.lint._procedural import (
    MAY_BE_PROCEDURAL,
    PglastMissing,
    with_procedural_statements,
)
from alembic_steward.lint._rules import enum_value_findings, lines_on_new_tables
from alembic_steward.lint._squawk import SquawkMissing, squawk_findings
from alembic_steward.lint._trace import RevisionTrace


def postgresql_findings(
    traces: dict[Path, RevisionTrace], revisions: dict[Path, str]
) -> tuple[list[Finding], list[Unlinted]]:
    """Return the SQL rules' findings, and the revisions whose procedural code went unread."""
    expanded, unread = {}, []
    for path, trace in traces.items():
        try:
            expanded[path] = replace(trace, sql=with_procedural_statements(trace.sql))
        except PglastMissing as error:
            expanded[path] = trace
            line = next(line for line, sql in trace.sql if MAY_BE_PROCEDURAL.search(sql))
            reason, advice = str(error).split("; ", 1)
            unread.append(Unlinted(revisions[path], path, line, reason, advice))
    findings = [f for path, trace in expanded.items() for f in enum_value_findings(path, trace)]
    try:
        linted = squawk_findings(expanded)
    except SquawkMissing as error:
        raise Exit(f"error: {error}", code=1) from None
    # squawk cannot tell a table created earlier in the same revision: it has no rows yet.
    new_tables = {path: lines_on_new_tables(trace) for path, trace in traces.items()}
    findings += [f for f in linted if f.line not in new_tables[f.path]]
    return findings, unread
