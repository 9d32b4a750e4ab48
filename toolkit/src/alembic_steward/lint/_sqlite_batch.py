"""The rule `require-sqlite-batch-mode`: operations SQLite cannot run outside batch mode.

SQLite's ALTER TABLE can rename a table or column and add or drop a column, nothing more, so
Alembic runs most changes to an existing table there only in batch mode, which rebuilds the
table. Rather than keep a list of its own, the rule asks Alembic: each operation a revision
calls on `op` (not on a `batch_op`) is rendered as Alembic's SQLite implementation would run it
(`alembic/ddl/sqlite.py`), offline, and each statement it writes is prepared by this Python's
SQLite library on an empty in-memory database. An operation Alembic refuses ("No support for
ALTER of constraints in SQLite dialect"), SQLAlchemy cannot compile for SQLite, or whose
statement SQLite cannot parse (`ALTER COLUMN`, `COMMENT ON`, `DROP COLUMN` before SQLite
3.35) is a finding. Only operations that have a batch form count: raw SQL is the author's.
"""

from __future__ import annotations

import io
import sqlite3
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic_steward.lint._findings import Finding
from alembic_steward.lint._trace import RevisionTrace, quiet_alembic_logging

RULE = "require-sqlite-batch-mode"
# Statements SQLite prepares only against tables it has fail with "no such table"; these
# errors instead mean SQLite cannot read the statement at all.
UNPARSABLE = ("syntax error", "incomplete input")


class StatementRecorder(io.StringIO):
    """An offline output buffer keeping each statement Alembic writes on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.statements: list[str] = []

    def write(self, text: str) -> int:
        if text.strip():
            self.statements.append(text.strip())
        return super().write(text)


def sqlite_batch_findings(path: Path, trace: RevisionTrace) -> Iterator[Finding]:
    """Yield a finding for each operation outside batch mode that SQLite cannot run."""
    for recorded in trace.operations:
        method = batch_method(recorded.operation)
        if recorded.in_batch or method is None:
            continue
        refusal = sqlite_refusal(recorded.operation)
        if refusal is None:
            continue
        table = table_of(recorded.operation)
        why = (
            f"op.{method} on table {table} outside batch mode: {refusal}, so the upgrade"
            " fails on SQLite"
        )
        safe = (
            f'`with op.batch_alter_table("{table}") as batch_op:` and'
            f" `batch_op.{method}(...)` inside it (without the table argument): batch mode"
            " rebuilds the table with the change"
        )
        yield Finding(path, recorded.line, RULE, why, safe)


def batch_method(operation: Any) -> str | None:
    """The name of the operation's `batch_op` method, or None when it has no batch form."""
    from alembic.operations import ops

    if isinstance(operation, ops.ExecuteSQLOp):
        return None  # raw SQL runs the same in batch mode: it is the author's to write
    names = [name for name in dir(type(operation)) if name.startswith("batch_")]
    return names[0].removeprefix("batch_") if names else None


def table_of(operation: Any) -> str:
    return getattr(operation, "table_name", None) or getattr(operation, "source_table", "?")


def sqlite_refusal(operation: Any) -> str | None:
    """Say why SQLite cannot run ``operation`` outside batch mode, or return None if it can."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy.exc import CompileError

    recorder = StatementRecorder()
    with quiet_alembic_logging():
        context = MigrationContext.configure(
            dialect_name="sqlite", opts={"as_sql": True, "output_buffer": recorder}
        )
    try:
        with warnings.catch_warnings():
            # Alembic warns, and skips, a constraint a type implies (Boolean's CHECK).
            warnings.simplefilter("ignore")
            Operations(context).invoke(operation)
    except NotImplementedError as error:
        return f"Alembic cannot run it on SQLite ({first_sentence(error)})"
    except CompileError as error:
        return f"SQLAlchemy cannot write it for SQLite ({first_sentence(error)})"
    except Exception:
        # Arguments Alembic cannot render at all are not this rule's to judge: the upgrade
        # itself reports them, on every database.
        return None
    connection = sqlite3.connect(":memory:")
    try:
        for statement in recorder.statements:
            try:
                connection.execute(statement)
            except sqlite3.Error as error:
                if any(words in str(error) for words in UNPARSABLE):
                    return f"SQLite {sqlite3.sqlite_version} cannot run `{statement}` ({error})"
    finally:
        connection.close()
    return None


def first_sentence(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text.split(". ")[0].rstrip(".")
