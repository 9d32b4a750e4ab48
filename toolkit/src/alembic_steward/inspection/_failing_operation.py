"""Which operation of a revision file failed, where, and why: read from the error's traceback.

`inv db.revision` keeps what autogenerate wrote even when it fails on the scratch database
(docs/decisions.md); the author then needs the one call to fix, not every change the models
need, so the line names that call, its file and line, the database's reason and, where the
database says how, the fix (PostgreSQL's `USING` for a type it cannot cast by itself).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# PostgreSQL's hint on a type change it cannot cast: `You might need to specify "USING c::integer".`
USING_HINT = re.compile(r'"USING (?P<cast>.+)"')
CALL_SHOWN_UP_TO = 100


@dataclass(frozen=True)
class FailingOperation:
    """The call that failed (``call``, as written; ``names``, the names it is called with),
    its ``path`` and ``line``, the database's ``reason`` and the fix it suggests (``fix``, or
    None)."""

    call: str
    names: tuple[str, ...]
    path: Path
    line: int
    reason: str
    fix: str | None


def failing_operation(error: BaseException, paths: list[Path]) -> FailingOperation | None:
    """The statement of one of ``paths`` the traceback of ``error`` passed through last, or
    None when the error did not come from those files (env.py, the connection)."""
    from alembic_steward.runtime._driver_errors import error_reason

    wanted = {path.resolve(): path for path in paths}
    found = None
    traceback = error.__traceback__
    while traceback is not None:
        filename = Path(traceback.tb_frame.f_code.co_filename)
        if filename.is_absolute() and filename.resolve() in wanted:
            found = (wanted[filename.resolve()], traceback.tb_lineno)
        traceback = traceback.tb_next
    if found is None:
        return None
    path, line = found
    call, names = shown_call(path, line)
    reason = reason_of(error, error_reason(error))
    return FailingOperation(call, names, path, line, reason, fix_of(error))


def reason_of(error: BaseException, reason: str) -> str:
    """The database's words, led by PostgreSQL's name for the error (DatatypeMismatch)."""
    original = getattr(error, "orig", None)
    if original is not None and type(original).__module__.startswith("psycopg.errors"):
        return f"{type(original).__name__}: {reason}"
    return reason


def fix_of(error: BaseException) -> str | None:
    """What the database itself says would make the statement apply, as the call's argument."""
    diagnostic = getattr(getattr(error, "orig", None), "diag", None)
    hint = USING_HINT.search(getattr(diagnostic, "message_hint", None) or "")
    if hint:
        return f'add postgresql_using="{hint.group("cast")}" to that alter_column'
    return None


def blocking_view_fix(operation: FailingOperation, connection: Any) -> str | None:
    """SQLite: for a batch block that fails on a view or trigger reading its table (`error in
    view v: no such table: main.t`, `error in trigger g: ...`, as the table's copy is renamed),
    how to write around it: drop it before the block and make it again after it, with its
    statement read from ``connection`` (the scratch database, at the revision before the
    block's)."""
    from alembic_steward.inspection._sqlite_schema_copy import NAMED_IN_ERROR

    found = NAMED_IN_ERROR.search(operation.reason)
    if not operation.call.startswith("with ") or found is None:
        return None
    kind, name = found[1].lower(), found[2]
    try:
        row = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = ? AND name = ?", (kind, name)
        ).first()
    except Exception:  # noqa: BLE001 - the scratch could not be read: the statement is not given
        row = None
    made = f"`op.execute({row[0]!r})`" if row and row[0] else f"its CREATE {kind.upper()} statement"
    return (
        f'drop {kind} {name} before the batch block (`op.execute("DROP {kind.upper()} {name}")`)'
        f" and make it again after it ({made}), in upgrade() and likewise in downgrade()"
    )


def shown_call(path: Path, line: int) -> tuple[str, tuple[str, ...]]:
    """The innermost statement of ``path`` at ``line``, as its call reads (`op.x("t", ...)`),
    and the names it is called with (its leading string arguments: a table, a column)."""
    source = path.read_text(encoding="utf-8")
    statements = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    if not statements:
        return f"line {line}", ()
    statement = max(statements, key=lambda node: node.lineno)

    def written(node: ast.AST) -> str:
        return " ".join((ast.get_source_segment(source, node) or ast.unparse(node)).split())

    if isinstance(statement, ast.With):  # a batch block fails as a whole, when it ends
        return f"with {written(statement.items[0].context_expr)}: ...", ()
    call = statement.value if isinstance(statement, ast.Expr) else statement
    if not isinstance(call, ast.Call):
        return written(statement).splitlines()[0], ()
    names: list[str] = []
    for argument in call.args:
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            break
        names.append(argument.value)
    shown = written(call).replace("( ", "(").replace(", )", ")")
    if len(shown) > CALL_SHOWN_UP_TO:
        # The names it is called with, not the definitions after them.
        shown = f"{written(call.func)}({', '.join([*(repr_(n) for n in names), '...'])})"
    return shown, tuple(names)


def repr_(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


def located(operation: FailingOperation, shown: Any) -> str:
    """`op.x(...)` at app/migrations/versions/F.py:12 fails on a scratch database (reason)."""
    return (
        f"`{operation.call}` at {shown(operation.path)}:{operation.line} fails on a scratch"
        f" database at the database's revision ({operation.reason})"
    )
