"""`inv db.lint`: review revisions for operations that lock, rewrite or lose data.

The chosen revisions run offline, with every operation and SQL chunk traced to its line
(lint/_trace.py), resumed past any revision that cannot run offline (lint/_offline_runs.py).
Our rules read the operations (lint/_rules.py, lint/_sqlite_batch.py); on PostgreSQL squawk
reads the SQL, DO blocks and called function bodies included (lint/_squawk.py,
lint/_procedural.py). A `# lint: allow RULE` marker on the statement accepts a finding
(lint/_findings.py).

Exit codes: 0 every revision linted and no finding; 1 findings (whether or not some revisions
could not be linted), or the lint could not run; 2 no finding, but some revisions could not be
linted to their end.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from invoke import Context, Exit, task

from alembic_steward._wiring import shown_path
from alembic_steward.lint._findings import Finding, RevisionSource, format_finding
from alembic_steward.lint._offline_runs import Unlinted
from alembic_steward.lint._selection import (
    Selection,
    load_revisions,
    select_everything,
    select_range,
    select_unapplied,
)
from alembic_steward.tasks._task_options import LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error

UNLINTED_CODE = 2


@dataclass
class LintReport:
    """The findings no marker accepts, in file order, and the revisions not linted to the end."""

    findings: list[Finding]
    unlinted: list[Unlinted]


@task(
    klass=LongOnlyOptions,
    # -e is db.revision's --empty, and -r --revision in every task (--rev-range: Alembic's
    # name for it here, the same option): a short flag means one thing.
    long_only=("released",),
    nicknames={"revision": ("rev-range",)},
    help={
        "all": "Lint every revision, applied or not (CI and pre-commit use this)",
        "revision": "Lint a range, e.g. 4f8376af1811:head, or one revision, e.g. 4f8376af1811"
        " (--rev-range is the same)",
        "released": "Also fail on revision files that exist at this git tag or commit (a"
        " release) and were edited or deleted since",
    },
)
@exit_on_user_error(reads_only=True)
def lint(
    c: Context, all: bool = False, revision: str | None = None, released: str | None = None
) -> None:
    """Check revisions for operations that lock, rewrite or lose data (default: unapplied)."""
    changed = released_lines(released) if released else []
    try:
        lint_revisions(all, revision)
    except Exit as error:
        if not changed:
            raise
        raise Exit(
            f"{error.message}; and {len(changed)} released revision file(s) changed since"
            f" {released} (listed above)",
            code=1,
        ) from None
    if changed:
        raise Exit(
            f"error: {len(changed)} revision file(s) released in {released} changed since"
            " (listed above); a released revision is immutable: restore each and make the change"
            " in a new revision",
            code=1,
        )


def released_lines(ref: str) -> list[str]:
    """Print and return the released revision files edited or deleted since ``ref``."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.lint._released import ReleasedRefError, released_changes

    try:
        changed = released_changes(ref, active_steward().versions_dir)
    except ReleasedRefError as error:
        message = f"error: cannot check --released {ref}: {error}; nothing was linted"
        raise Exit(message, code=1) from None
    for line in changed:
        print(line)
    return changed


def lint_revisions(all: bool, rev_range: str | None) -> None:
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_ids import check_revision_argument

    if rev_range is not None:
        check_revision_argument(rev_range, ranges=True)
    config = build_alembic_config(quiet=True)
    script = load_revisions(config)
    refuse_stale_head_file(script)
    if rev_range:
        selection = select_range(script, rev_range)
    elif all:
        selection = select_everything(script)
    else:
        selection = select_unapplied(script)
    if not selection.scripts:
        print("No revisions to lint: the database has every revision applied.")
        return
    report = lint_selection(config, script, selection)
    from alembic_steward.inspection._revision_column_drops import column_drop_warnings

    # Warnings, not findings: the exit code stays the findings' (an object the text misreads).
    for warning in column_drop_warnings(script, [s.revision for s in selection.scripts]):
        print(warning)
    for finding in report.findings:
        print(format_finding(finding, shown_path(finding.path)))
    for unlinted in report.unlinted:
        print(format_unlinted(unlinted))
    count, stopped = len(selection.scripts), len(report.unlinted)
    not_linted = (
        f"{stopped} of them could not be linted to their end (listed above, each with what to do)"
    )
    if report.findings:
        raise Exit(
            f"error: {len(report.findings)} finding(s) in {count} revision(s) linted;"
            + (f" {not_linted};" if stopped else "")
            + " use the safe pattern, or accept a finding with its marker",
            code=1,
        )
    if stopped:
        raise Exit(
            f"error: no findings in {count} revision(s), but {not_linted}", code=UNLINTED_CODE
        )
    print(f"No findings in {count} revision(s).")


def refuse_stale_head_file(script: Any) -> None:
    """Fail when the committed head file disagrees with the history (runtime/_head_file.py)."""
    from alembic_steward.runtime._head_file import head_file_disagreement

    disagreement = head_file_disagreement(script)
    if disagreement is not None:
        raise Exit(f"error: {disagreement}; nothing was linted", code=1)


def format_unlinted(unlinted: Unlinted) -> str:
    """One line: where the revision stopped, its id, why, and what to do."""
    return (
        f"{shown_path(unlinted.path)}:{unlinted.line}: not linted: revision {unlinted.revision}"
        f" {unlinted.reason}; {unlinted.advice}"
    )


def review_written_revision(revision: str) -> None:
    """Print the lint's findings for a revision `inv db.revision` has just written."""
    from alembic_steward.runtime._config import build_alembic_config

    config = build_alembic_config(quiet=True)
    try:
        script = load_revisions(config)
        report = lint_selection(config, script, select_range(script, revision))
    except Exit as error:
        # The file is written either way; failing here would read as if it were not.
        print(f"warning: the revision was not linted: {str(error.message).removeprefix('error: ')}")
        return
    from alembic_steward.inspection._revision_column_drops import column_drop_warnings

    drops = column_drop_warnings(script, [revision])
    for warning in drops:
        print(warning)
    for finding in report.findings:
        print("warning: " + format_finding(finding, shown_path(finding.path)))
    for unlinted in report.unlinted:
        print("warning: " + format_unlinted(unlinted))
    if report.findings or report.unlinted or drops:
        print("Review the revision before applying it; `inv db.lint -r REV` checks it again.")


def lint_selection(config: Any, script: Any, selection: Selection) -> LintReport:
    """Lint the selected revisions: the findings no marker accepts, and what was not linted."""
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings
    from alembic_steward.lint._existing_triggers import RULE as EXISTING_TRIGGER
    from alembic_steward.lint._existing_triggers import trigger_order_findings
    from alembic_steward.lint._offline_runs import trace_selection
    from alembic_steward.lint._phase_labels import phase_findings
    from alembic_steward.lint._rules import OWN_RULES, downgrade_findings, operation_findings

    dialect = make_url(get_settings().database_url).get_backend_name()
    dialect = "mysql" if dialect == "mariadb" else dialect
    paths = [Path(s.path) for s in selection.scripts]
    sources = {path: RevisionSource.read(path) for path in paths}
    refuse_unknown_markers(sources)
    runs = trace_selection(config, script, selection, want_sql=dialect == "postgresql")
    traces = runs.traces
    unlinted = list(runs.unlinted)
    findings = [finding for path in paths for finding in downgrade_findings(sources[path])]
    for path in paths:
        trace = traces.get(path)
        if trace is not None:
            findings += operation_findings(path, trace, dialect)
        findings += phase_findings(path, trace)
    if dialect == "sqlite":
        from alembic_steward.lint._sqlite_batch import sqlite_batch_findings
        from alembic_steward.lint._sqlite_rebuilds import batch_loss_findings, history_traces

        for path, trace in traces.items():
            findings += sqlite_batch_findings(path, trace)
        from alembic_steward.lint._downgrade_batch_losses import (
            downgrade_index_findings,
            downgrade_rebuilds,
        )

        rebuilding = downgrade_rebuilds(path.read_text(encoding="utf-8") for path in paths)
        history = history_traces(config, script, selection, traces, rebuilding)
        findings += batch_loss_findings(history, set(paths))
        from alembic_steward.lint._sqlite_batch_views import batch_view_findings

        findings += batch_view_findings(script, set(paths))
        if rebuilding:
            findings += downgrade_index_findings(script, history, set(paths))
    if dialect in OWN_RULES[EXISTING_TRIGGER]:
        findings += trigger_order_findings(script, set(paths), dialect)
    if dialect == "postgresql":
        from alembic_steward.lint._postgresql import postgresql_findings

        revisions = {Path(s.path): s.revision for s in selection.scripts}
        found, unread = postgresql_findings(traces, revisions)
        findings += found
        unlinted += unread
    order = {path: number for number, path in enumerate(paths)}
    unlinted.sort(key=lambda stop: (order[stop.path], stop.line))
    return LintReport(accepted_out(findings, sources, order), unlinted)


def refuse_unknown_markers(sources: dict[Path, RevisionSource]) -> None:
    """Stop at a marker naming no rule the lint knows: a typo must not accept nothing."""
    from alembic_steward.lint._phase_labels import RULES as PHASE_RULES
    from alembic_steward.lint._rules import OWN_RULES, project_rules, rule_name
    from alembic_steward.lint._squawk import SQUAWK_RULES

    known_rules = set(OWN_RULES) | set(PHASE_RULES) | SQUAWK_RULES
    known_rules |= {rule_name(rule) for rule in project_rules()}
    for path, source in sources.items():
        for line, rule in source.unknown_marker_rules(known_rules):
            raise Exit(
                f"error: {shown_path(path)}:{line}: the lint marker names an unknown rule"
                f" {rule!r}; name a rule the lint reported (README.md lists them)",
                code=1,
            )


def accepted_out(
    findings: list[Finding], sources: dict[Path, RevisionSource], order: dict[Path, int]
) -> list[Finding]:
    """Drop the findings a marker accepts; place the rest at their statement's first line,
    sorted by the revisions' ``order``."""
    kept = []
    for finding in findings:
        source = sources[finding.path]
        lines = source.statement_lines(finding.line)
        if not source.accepts(finding.rule, lines):
            kept.append(replace(finding, line=lines[0]))
    return sorted(set(kept), key=lambda f: (order[f.path], f.line, f.rule))
