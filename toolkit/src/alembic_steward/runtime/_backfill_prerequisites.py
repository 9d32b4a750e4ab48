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
    ([] when the file cannot be read). A name or a limit is read where it is written plainly:
    a literal, a name assigned one (at module level or in `upgrade()`), or `x.name` of a
    module-level `x = Backfill(name=...)`; a call whose name is computed otherwise is missed."""
    from alembic_steward._revision_functions import migration_function
    from alembic_steward.backfills import DEFAULT_FINISH_INLINE_UP_TO

    try:
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):
        return []
    upgrade = migration_function(tree, "upgrade")
    if upgrade is None:
        return []
    values = plain_values([*tree.body, *upgrade.body])
    found = []
    for node in ast.walk(upgrade):
        if not isinstance(node, ast.Call) or called_name(node.func) != "require_backfill":
            continue
        name = value_of(node.args[0], values) if node.args else keyword_value(node, "name", values)
        up_to = keyword_value(node, "finish_inline_up_to", values)
        up_to = DEFAULT_FINISH_INLINE_UP_TO if up_to is None else up_to
        if isinstance(name, str) and isinstance(up_to, int) and not isinstance(up_to, bool):
            found.append((name, up_to))
    return found


def plain_values(statements: list[ast.stmt]) -> dict[str, object]:
    """Each name assigned a literal in ``statements`` (a later assignment wins), and `x.name`
    for each `x = Backfill(...)` whose name is one."""
    values: dict[str, object] = {}
    for statement in statements:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        if isinstance(value, ast.Call) and called_name(value.func) == "Backfill":
            name = keyword_value(value, "name", values)
            if name is None and value.args:
                name = value_of(value.args[0], values)
            values[f"{target.id}.name"] = name
        else:
            values[target.id] = value_of(value, values)
    return values


def value_of(node: ast.expr, values: dict[str, object]) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return values.get(f"{node.value.id}.{node.attr}")
    return None


def keyword_value(call: ast.Call, keyword: str, values: dict[str, object]) -> object:
    for each in call.keywords:
        if each.arg == keyword:
            return value_of(each.value, values)
    return None


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
    from alembic_steward.runtime._backfill_gate import refusal_now
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
                refusal = refusal_now(connection, each, up_to)
            except SQLAlchemyError:
                connection.rollback()
                continue  # its declaration is refused: the run's own line says how
            if refusal is None:
                continue
            return (
                f"pending migrations, but revision {revision.revision} requires backfill"
                f" {name} (declared by revision {each.revision}) to have finished, and"
                f" {refusal}, so `{upgrade}` would be refused:"
                f" {what_finishes(connection, each)}, then run `{upgrade}`"
            )
    return None


def what_finishes(connection: Connection, declared: Declared) -> str:
    """The command that gets ``declared`` done from its record: run, resume, fix it, or wait
    for the runner working on it now."""
    from alembic_steward.runtime._backfill_changes import ACCEPT_OPTION
    from alembic_steward.runtime._backfill_commands import runner_active
    from alembic_steward.runtime._backfill_failures import fix_advice
    from alembic_steward.runtime._backfill_gate import declaration_changes
    from alembic_steward.runtime._backfill_naming import backfill_advised
    from alembic_steward.runtime._backfill_records import FAILED, PAUSED, has_table, read_record

    name = declared.backfill.name
    record = read_record(connection, name) if has_table(connection) else None
    changes = declaration_changes(connection, declared, record)
    connection.rollback()
    if record is not None and record.state == FAILED:
        return fix_advice(declared)
    if changes:  # a plain run or resume would be refused (runtime/_backfill_changes.py)
        accept = backfill_advised(f"run {name} {ACCEPT_OPTION}")
        return (
            f"its declaration changed since batches ran under it ({'; '.join(changes)}), so a"
            f" plain run is refused: put the declaration back, or, if the change is deliberate,"
            f" {accept} walks every key again under it"
        )
    if record is not None and record.state == PAUSED:
        return f"{backfill_advised(f'resume {name}')} finishes it first"
    if runner_active(connection, name):
        return f"wait for its runner to finish it ({backfill_advised(f'status {name}')} shows it)"
    return f"{backfill_advised(f'run {name}')} finishes it first"
