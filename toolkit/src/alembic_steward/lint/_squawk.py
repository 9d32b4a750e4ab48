"""Run squawk, the maintained PostgreSQL migration linter, over each revision's offline SQL.

Each revision's SQL goes into a file of its own, wrapped in the transaction Alembic runs it in,
so squawk judges one revision at a time (a table created by an earlier revision is an existing
table) and sees where `autocommit_block` leaves the transaction. One squawk process reads
them all. Its findings are mapped back to the revision line that wrote the SQL.
"""

from __future__ import annotations

import bisect
import json
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path

from alembic_steward.lint._findings import Finding
from alembic_steward.lint._rules import SAFE
from alembic_steward.lint._trace import RevisionTrace

# Rules whose advice does not fit Alembic migrations: they judge column types and retry style,
# not risk. squawk's timeout rules stay: each migration's lock timeout (runtime/_lock_waits.py)
# is in the SQL squawk reads, so a project that turns it off is told.
EXCLUDED_RULES = (
    "prefer-robust-stmts",
    "prefer-text-field",
    "prefer-identity",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "transaction-nesting",
    # Where a new enum value sorts is a modelling choice, not a lock or a loss of data.
    "require-enum-value-ordering",
)
# Statement timeouts are off unless a project sets DDL_STATEMENT_TIMEOUT: a backfill may rightly
# run long, and the lock timeout is what keeps the application's queries from queueing.
# (require-timeout-settings names both timeout rules together: excluding it would drop both.)
STATEMENT_TIMEOUT_RULES = ("require-statement-timeout",)
# Every rule squawk 2.x knows, so a marker naming one is not an unknown rule.
SQUAWK_RULES = frozenset(
    [
        "adding-field-with-default",
        "adding-foreign-key-constraint",
        "adding-not-nullable-field",
        "adding-required-field",
        "adding-serial-primary-key-field",
        "ban-add-column",
        "ban-add-composite-attribute",
        "ban-add-enum-value",
        "ban-alter-database-options",
        "ban-alter-domain-with-add-constraint",
        "ban-alter-extension",
        "ban-alter-function-options",
        "ban-alter-generated-expression",
        "ban-alter-identity",
        "ban-alter-policy-condition",
        "ban-alter-policy-roles",
        "ban-alter-role-options",
        "ban-alter-row-level-security",
        "ban-alter-sequence-values",
        "ban-alter-system-options",
        "ban-alter-view-options",
        "ban-char-field",
        "ban-concurrent-index-creation-in-transaction",
        "ban-create-domain-with-constraint",
        "ban-create-policy",
        "ban-detach-inheritance",
        "ban-disable-trigger",
        "ban-drop-column",
        "ban-drop-constraint",
        "ban-drop-database",
        "ban-drop-domain",
        "ban-drop-extension",
        "ban-drop-function",
        "ban-drop-generated-expression",
        "ban-drop-index",
        "ban-drop-not-null",
        "ban-drop-policy",
        "ban-drop-schema",
        "ban-drop-sequence",
        "ban-drop-table",
        "ban-drop-type",
        "ban-drop-view",
        "ban-new-write-restriction",
        "ban-replace-view-function",
        "ban-replica-identity",
        "ban-revoke",
        "ban-set-default",
        "ban-set-schema",
        "ban-truncate-cascade",
        "ban-uncommitted-transaction",
        "changing-column-type",
        "constraint-missing-not-valid",
        "disallowed-unique-constraint",
        "identifier-too-long",
        "prefer-bigint-over-int",
        "prefer-bigint-over-smallint",
        "prefer-identity",
        "prefer-repack",
        "prefer-robust-stmts",
        "prefer-text-field",
        "prefer-timestamp-tz",
        "renaming-column",
        "renaming-object",
        "renaming-table",
        "require-concurrent-index-creation",
        "require-concurrent-index-deletion",
        "require-concurrent-partition-detach",
        "require-concurrent-reindex",
        "require-enum-value-ordering",
        "require-lock-timeout",
        "require-statement-timeout",
        "require-table-schema",
        "require-timeout-settings",
        "syntax-error",
        "transaction-nesting",
        "unused-ignore",
    ]
)
# The safe pattern in Alembic's terms, where squawk's help speaks SQL or says nothing.
ALEMBIC_SAFE = {
    "require-lock-timeout": (
        "keep the migrations' lock timeout on: each then runs under `SET LOCAL lock_timeout`"
        " (DDL_LOCK_TIMEOUT, the wiring's ddl_lock_timeout, a revision's own ddl_lock_timeout;"
        " none of them 0 or off), retried when it expires"
    ),
    "require-concurrent-index-creation": (
        "build it with `create_index_online(name, table, columns)` from"
        " `alembic_steward.migration` (CREATE INDEX CONCURRENTLY in an autocommit block; a"
        " failed build's INVALID index is dropped when the revision runs again)"
    ),
    "require-concurrent-index-deletion": (
        "drop it with `drop_index_online(name, table)` from `alembic_steward.migration`"
        " (DROP INDEX CONCURRENTLY in an autocommit block)"
    ),
    "ban-concurrent-index-creation-in-transaction": (
        "put the operation inside `with op.get_context().autocommit_block():`"
    ),
    "adding-not-nullable-field": (
        "backfill the NULL rows first; then add a CHECK (c IS NOT NULL) constraint with"
        " postgresql_not_valid=True, `op.execute('ALTER TABLE t VALIDATE CONSTRAINT name')` in a"
        " later revision, and only then alter_column(nullable=False): PostgreSQL 12+ skips"
        " the scan"
    ),
    "constraint-missing-not-valid": (
        "add it with postgresql_not_valid=True (or `... NOT VALID` in op.execute), then"
        " `op.execute('ALTER TABLE t VALIDATE CONSTRAINT name')` in a later revision"
    ),
    "disallowed-unique-constraint": (
        "op.create_index(name, table, cols, unique=True, postgresql_concurrently=True) in an"
        " autocommit_block, then op.execute('ALTER TABLE t ADD CONSTRAINT name UNIQUE USING"
        " INDEX name')"
    ),
}


class SquawkMissing(Exception):
    """squawk is not installed in this environment."""


def squawk_executable() -> str:
    """Find the squawk that `pip install squawk-cli` put beside this Python, or on PATH."""
    found = shutil.which("squawk", path=sysconfig.get_path("scripts")) or shutil.which("squawk")
    if found is None:
        raise SquawkMissing(
            "squawk is not installed, and the lint needs it on PostgreSQL;"
            " install it with `python -m pip install squawk-cli`"
        )
    return found


def excluded_rules() -> tuple[str, ...]:
    """The rules squawk skips: those that do not fit, and statement timeouts when they are off."""
    from alembic_steward.runtime._lock_waits import project_limits

    if project_limits().statement_timeout is None:
        return EXCLUDED_RULES + STATEMENT_TIMEOUT_RULES
    return EXCLUDED_RULES


def squawk_findings(traces: dict[Path, RevisionTrace]) -> list[Finding]:
    """Lint each revision's SQL with one squawk run; return its findings at revision lines."""
    with_sql = {path: trace for path, trace in traces.items() if trace.sql}
    if not with_sql:
        return []
    executable = squawk_executable()
    with tempfile.TemporaryDirectory(prefix="squawk-") as folder:
        line_maps = {}
        for number, (path, trace) in enumerate(with_sql.items()):
            sql_file = Path(folder) / f"{number:05d}.sql"
            line_maps[str(sql_file)] = (path, write_revision_sql(sql_file, trace))
        command = [executable, "--reporter", "json", "-c", "/dev/null"]
        command += ["--exclude", ",".join(excluded_rules()), *line_maps]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"squawk failed: {completed.stderr.strip()}")
    findings = []
    for violation in json.loads(completed.stdout or "[]"):
        path, (starts, lines) = line_maps[violation["file"]]
        index = bisect.bisect_right(starts, violation["line"]) - 1
        line = lines[max(index, 0)]
        rule = violation["rule_name"]
        safe = ALEMBIC_SAFE.get(rule) or SAFE.get(rule)
        safe = safe or violation.get("help") or "see the rule's page"
        why = f"{violation['message']} (https://squawkhq.com/docs/{rule})"
        findings.append(Finding(path, line, rule, why, safe))
    return findings


def write_revision_sql(sql_file: Path, trace: RevisionTrace) -> tuple[list[int], list[int]]:
    """Write a revision's SQL inside BEGIN/COMMIT; return each chunk's first SQL line and source."""
    starts, lines, text = [], [], ["BEGIN;\n"]
    line_count = 1
    for line, sql in trace.sql:
        starts.append(line_count)
        lines.append(line)
        chunk = sql if sql.endswith("\n") else sql + "\n"
        text.append(chunk)
        line_count += chunk.count("\n")
    text.append("COMMIT;\n")
    sql_file.write_text("".join(text), encoding="utf-8")
    return starts, lines
