"""Before any upgrade is tried: a pending revision that calls `require_backfill` on a backfill
that has not finished here would be refused, so `db.status` names the backfill to run first.

The requirement is read from the revision's source (a call `require_backfill("NAME", ...)` in
its `upgrade()`), never by running it; whether it would pass is the gate's own question
(runtime/_backfill_gate.py: at most ``finish_inline_up_to`` rows pending), asked only where the
declaring revision is applied, so its table can be read.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.runtime._backfill_declarations import Declared


def required_in(path: str) -> list[tuple[str, int]]:
    """The backfills ``path``'s `upgrade()` requires, each with its ``finish_inline_up_to``
    ([] when none is written as a literal name, or the file cannot be read)."""
    from alembic_steward.backfills import DEFAULT_FINISH_INLINE_UP_TO

    try:
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):
        return []
    upgrades = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "upgrade"
    ]
    found = []
    for node in (each for upgrade in upgrades for each in ast.walk(upgrade)):
        if not isinstance(node, ast.Call) or called_name(node.func) != "require_backfill":
            continue
        if not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        up_to = DEFAULT_FINISH_INLINE_UP_TO
        for keyword in node.keywords:
            if keyword.arg == "finish_inline_up_to" and isinstance(keyword.value, ast.Constant):
                up_to = keyword.value.value
        if isinstance(node.args[0].value, str) and isinstance(up_to, int):
            found.append((node.args[0].value, up_to))
    return found


def called_name(function: ast.expr) -> str | None:
    if isinstance(function, ast.Name):
        return function.id
    return function.attr if isinstance(function, ast.Attribute) else None


def backfill_first_line(
    script: ScriptDirectory, connection: Connection, current: list[str], upgrade: str
) -> str | None:
    """Say which pending revision a backfill that has not finished here would refuse, and the
    command that gets it done, before ``upgrade`` (the command to run then); None when no
    pending revision would be refused so."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._backfill_declarations import (
        BackfillDeclarationError,
        declared_backfills,
    )
    from alembic_steward.runtime._backfill_gate import passes_now
    from alembic_steward.runtime._phased_upgrade import pending_revisions

    try:
        declared = declared_backfills(script)
    except BackfillDeclarationError:
        return None  # the upgrade's own failure says so
    applied = {each.revision for each in script.iterate_revisions(current, "base")}
    for revision in pending_revisions(script, tuple(current)):
        for name, up_to in required_in(revision.path):
            each = declared.get(name)
            if each is None or each.revision not in applied:
                continue  # it would fail otherwise, or its table is not there to read yet
            try:
                if passes_now(connection, each, up_to):
                    continue
            except SQLAlchemyError:
                connection.rollback()
                continue  # its declaration is refused: the run's own line says how
            return (
                f"pending migrations, but revision {revision.revision} requires backfill"
                f" {name} (declared by revision {each.revision}) to have finished, and more"
                f" than {up_to} of its rows are pending here, so `{upgrade}` would be refused:"
                f" {what_finishes(connection, each)}, then run `{upgrade}`"
            )
    return None


def what_finishes(connection: Connection, declared: Declared) -> str:
    """The command that gets ``declared`` done from its record: run, resume, fix it, or wait
    for the runner working on it now."""
    from alembic_steward.runtime._backfill_commands import runner_active
    from alembic_steward.runtime._backfill_failures import fix_advice
    from alembic_steward.runtime._backfill_naming import backfill_advised
    from alembic_steward.runtime._backfill_records import FAILED, PAUSED, has_table, read_record

    name = declared.backfill.name
    record = read_record(connection, name) if has_table(connection) else None
    connection.rollback()
    if record is not None and record.state == FAILED:
        return fix_advice(declared)
    if record is not None and record.state == PAUSED:
        return f"{backfill_advised(f'resume {name}')} finishes it first"
    if runner_active(connection, name):
        return f"wait for its runner to finish it ({backfill_advised(f'status {name}')} shows it)"
    return f"{backfill_advised(f'run {name}')} finishes it first"
