"""`inv db.lint`: review revisions for operations that lock, rewrite or lose data.

The chosen revisions run once, offline, with every operation and SQL chunk traced to its line
(lint/_trace.py). Our rules read the operations (lint/_rules.py); on
PostgreSQL squawk reads the SQL (lint/_squawk.py). A `# lint: allow RULE` marker on the
statement accepts a finding (lint/_findings.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from invoke import Context, Exit, task

from alembic_steward._wiring import shown_path
from alembic_steward.lint._findings import Finding, RevisionSource, format_finding
from alembic_steward.tasks._user_errors import exit_on_user_error


@dataclass(frozen=True)
class Selection:
    """The revisions to lint, oldest first, and the offline upgrade range that runs them."""

    scripts: list[Any]
    upgrade_range: str


@task(
    help={
        "all": "Lint every revision, applied or not (CI and pre-commit use this)",
        "rev_range": "Lint a range, e.g. 4f8376af1811:head, or one revision, e.g. 4f8376af1811",
    }
)
@exit_on_user_error
def lint(c: Context, all: bool = False, rev_range: str | None = None) -> None:
    """Check revisions for operations that lock, rewrite or lose data (default: unapplied)."""
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_ids import check_revision_argument

    if rev_range is not None:
        check_revision_argument(rev_range, ranges=True)
    config = build_alembic_config(quiet=True)
    script = load_revisions(config)
    if rev_range:
        selection = select_range(script, rev_range)
    elif all:
        selection = Selection(list(reversed(list(script.walk_revisions()))), "heads")
    else:
        selection = select_unapplied(script)
    if not selection.scripts:
        print("No revisions to lint: the database has every revision applied.")
        return
    findings = lint_selection(config, selection)
    for finding in findings:
        print(format_finding(finding, shown_path(finding.path)))
    count = len(selection.scripts)
    if findings:
        raise Exit(
            f"error: {len(findings)} finding(s) in {count} revision(s) linted;"
            " use the safe pattern, or accept a finding with its marker",
            code=1,
        )
    print(f"No findings in {count} revision(s).")


def review_written_revision(revision: str) -> None:
    """Print the lint's findings for a revision `inv db.revision` has just written."""
    from alembic_steward.runtime._config import build_alembic_config

    config = build_alembic_config(quiet=True)
    try:
        findings = lint_selection(config, select_range(load_revisions(config), revision))
    except Exit as error:
        # The file is written either way; failing here would read as if it were not.
        print(f"warning: the revision was not linted: {str(error.message).removeprefix('error: ')}")
        return
    for finding in findings:
        print("warning: " + format_finding(finding, shown_path(finding.path)))
    if findings:
        print("Review the revision before applying it; `inv db.lint -r REV` checks it again.")


def load_revisions(config: Any) -> Any:
    """Load every revision file, turning one that does not import into one error line."""
    from alembic.script import ScriptDirectory

    from alembic_steward.lint._trace import failing_revision_line

    script = ScriptDirectory.from_config(config)
    try:
        script.revision_map.get_revisions("heads")
    except Exception as error:
        origin = failing_revision_line(error, list(Path(script.versions).glob("*.py")))
        if origin is None:
            raise
        path, line = origin
        raise Exit(
            f"error: {shown_path(path)}:{line}: the revision does not import"
            f" ({type(error).__name__}: {error}); fix it, then lint again",
            code=1,
        ) from None
    return script


def select_range(script: Any, rev_range: str) -> Selection:
    """Select ``LOWER:UPPER`` (the revisions after LOWER up to UPPER) or one revision."""
    from alembic.util import CommandError

    if ":" not in rev_range:
        revision = revisions_below(script, rev_range) and script.get_revision(rev_range)
        if not revision:
            raise CommandError(f"{rev_range!r} is not a single revision; `inv db.heads` shows them")
        parents = revision._versioned_down_revisions
        start = f"{parents[0]}:" if parents else ""
        return Selection([revision], start + revision.revision)
    lower, upper = rev_range.split(":", 1)
    upper = upper or "heads"
    in_upper = revisions_below(script, upper)
    in_lower = revisions_below(script, lower) if lower not in ("", "base") else set()
    if not in_lower <= in_upper:
        raise CommandError(f"{lower} is not below {upper}; a range runs from older to newer")
    scripts = [s for s in oldest_first(script) if s.revision in in_upper - in_lower]
    return Selection(scripts, f"{lower}:{upper}" if in_lower else upper)


def select_unapplied(script: Any) -> Selection:
    """Select the revisions the database has not applied yet."""
    from alembic.util import CommandError

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._database_state import (
        read_database_state,
        unknown_revision_message,
    )
    from alembic_steward.inspection._status_report import applied_revisions

    with get_blocking_engine().connect() as connection:
        state = read_database_state(script, connection)
    if state.unknown:
        raise CommandError(unknown_revision_message(state.unknown))
    current = state.current
    if len(current) > 1:
        raise CommandError(
            f"the database is at several heads ({', '.join(current)});"
            " lint with --all or -r RANGE instead"
        )
    applied = applied_revisions(script, current)
    scripts = [s for s in oldest_first(script) if s.revision not in applied]
    return Selection(scripts, f"{current[0]}:heads" if current else "heads")


def revisions_below(script: Any, revision: str) -> set[str]:
    """Return ``revision`` and every revision below it; refuse a name the history lacks."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        return {s.revision for s in script.iterate_revisions(revision, "base")}
    except RevisionError:
        raise CommandError(
            f"no revision {revision!r} in the history; `inv db.history` lists them"
        ) from None


def oldest_first(script: Any) -> list[Any]:
    return list(reversed(list(script.walk_revisions())))


def lint_selection(config: Any, selection: Selection) -> list[Finding]:
    """Lint the selected revisions; return the findings no marker accepts, in file order."""
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings
    from alembic_steward.lint._rules import (
        OWN_RULES,
        downgrade_findings,
        enum_value_findings,
        lines_on_new_tables,
        operation_findings,
        project_rules,
        rule_name,
    )
    from alembic_steward.lint._squawk import SQUAWK_RULES, SquawkMissing, squawk_findings

    dialect = make_url(get_settings().database_url).get_backend_name()
    dialect = "mysql" if dialect == "mariadb" else dialect
    paths = [Path(s.path) for s in selection.scripts]
    sources = {path: RevisionSource.read(path) for path in paths}
    known_rules = set(OWN_RULES) | SQUAWK_RULES | {rule_name(rule) for rule in project_rules()}
    for path, source in sources.items():
        for line, rule in source.unknown_marker_rules(known_rules):
            raise Exit(
                f"error: {shown_path(path)}:{line}: the lint marker names an unknown rule"
                f" {rule!r}; name a rule the lint reported (README.md lists them)",
                code=1,
            )
    traces = run_offline(config, selection, paths, want_sql=dialect == "postgresql")
    findings = [finding for path in paths for finding in downgrade_findings(sources[path])]
    for path in paths:
        trace = traces.get(path)
        if trace is not None:
            findings += operation_findings(path, trace, dialect)
            if dialect == "postgresql":
                findings += enum_value_findings(path, trace)
    if dialect == "postgresql":
        try:
            linted = squawk_findings({path: traces[path] for path in paths if path in traces})
        except SquawkMissing as error:
            raise Exit(f"error: {error}", code=1) from None
        # squawk cannot tell a table created earlier in the same revision: it has no rows yet.
        new_tables = {path: lines_on_new_tables(trace) for path, trace in traces.items()}
        findings += [f for f in linted if f.line not in new_tables[f.path]]
    order = {path: number for number, path in enumerate(paths)}
    kept = []
    for finding in findings:
        source = sources[finding.path]
        lines = source.statement_lines(finding.line)
        if not source.accepts(finding.rule, lines):
            kept.append(replace(finding, line=lines[0]))
    return sorted(set(kept), key=lambda f: (order[f.path], f.line, f.rule))


def run_offline(config: Any, selection: Selection, paths: list[Path], *, want_sql: bool) -> dict:
    """Trace the selection's offline upgrade; a revision that fails gives one error line."""
    from alembic_steward.lint._trace import failing_revision_line, trace_upgrade

    try:
        return trace_upgrade(config, selection.upgrade_range, paths, want_sql=want_sql)
    except Exception as error:
        origin = failing_revision_line(error, paths)
        if origin is None:
            raise
        raise Exit(
            f"error: {shown_path(origin[0])}:{origin[1]}: the revision failed when run offline"
            f" for the lint ({type(error).__name__}: {error}); code that needs a live database"
            " belongs under `if not context.is_offline_mode():`",
            code=1,
        ) from None
