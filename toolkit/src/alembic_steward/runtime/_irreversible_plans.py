"""Refuse a downgrade whose path crosses a revision that cannot be undone, before its first step.

A revision says so by raising IrreversibleMigration in its downgrade() (runtime/_irreversible.py),
or NotImplementedError, the other common way to write "no downgrade" (docs/decisions.md).
Reached only as the run gets there, that raise came after every step above it had committed:
a downgrade over six revisions reverted five, then stopped. So each revision a downgrade plans
to revert is read first, from its source: a downgrade() whose body raises either as one of its
own statements, with no `return` before it, always raises, and the run is refused
before anything runs, naming the revision to stop at instead. The source is read, never run:
the plan is drawn inside the run, where `op` is live and a call would run its operations. A
raise the reading cannot be sure of (inside an `if`, in a function downgrade() calls) is left to
the run, whose line then says the state read after it (tasks/_failed_migration.py). The baked
stairway asks this same reading which revisions not to revert (testing/_stairway.py), so the
two never disagree about one.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic.util import CommandError

if TYPE_CHECKING:
    from alembic_steward.runtime._migration_frames import MigrationFrame
    from alembic_steward.runtime._state_lines import StateAfterFailure

EXCEPTION_NAME = "IrreversibleMigration"
# The exceptions whose unconditional raise declares a downgrade() that cannot be written: the
# toolkit's own, and the builtin many write for "not written" (whose message is no reason).
DECLARING = (EXCEPTION_NAME, "NotImplementedError")


@dataclass(frozen=True)
class Declaration:
    """Where a downgrade() raises IrreversibleMigration (or NotImplementedError: ``raised``),
    and the reason it gives (a plain string), or None when the reason is computed or is a
    NotImplementedError's message."""

    line: int
    reason: str | None
    raised: str = EXCEPTION_NAME


class IrreversibleDowngrade(CommandError):
    """A downgrade refused before its first step: a revision on its path cannot be undone."""


def declared_irreversible(module: ast.Module) -> Declaration | None:
    """The unconditional raise of IrreversibleMigration or NotImplementedError in the module's
    downgrade(), or None."""
    from alembic_steward._revision_functions import migration_function

    downgrade = migration_function(module, "downgrade")
    if downgrade is None:
        return None
    for statement in downgrade.body:
        raised = declaring_exception(statement) if isinstance(statement, ast.Raise) else None
        if raised is not None:
            reason = constant_reason(statement) if raised == EXCEPTION_NAME else None
            return Declaration(statement.lineno, reason, raised)
        if may_return(statement):
            return None  # what follows may never be reached
    return None


def declaring_exception(statement: ast.Raise) -> str | None:
    """The one of ``DECLARING`` that ``statement`` raises, or None: `raise IrreversibleMigration(
    ...)`, also as a module's (`steward.IrreversibleMigration`), `raise NotImplementedError`."""
    raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    if isinstance(raised, ast.Attribute):
        name = raised.attr
    elif isinstance(raised, ast.Name):
        name = raised.id
    else:
        return None
    return name if name in DECLARING else None


def constant_reason(statement: ast.Raise) -> str | None:
    """The reason written as a plain string, or None: a computed one is not guessed."""
    call = statement.exc
    if isinstance(call, ast.Call) and call.args:
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def may_return(statement: ast.stmt) -> bool:
    """Whether ``statement`` holds a `return` of downgrade() itself (not of a nested function)."""
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))
    return False


def revision_declaration(path: str | Path | None) -> Declaration | None:
    """The declaration in the revision file at ``path``; None when it has none or cannot be read
    (a file that cannot be parsed fails as the run loads it, with its own line)."""
    if path is None:
        return None
    try:
        return declared_irreversible(ast.parse(Path(path).read_bytes()))
    except (OSError, SyntaxError, ValueError):
        return None


def refuse_irreversible_steps(
    steps: Iterable[Any],
    current: Iterable[str],
    stop_command: Callable[[str], str],
    stamp_command: Callable[[str], str] | None = None,
) -> None:
    """Raise IrreversibleDowngrade when a downgrade step in ``steps`` (newest first, planned
    from ``current``) reverts a revision that declares itself irreversible; ``stop_command``
    names the command that stops at a revision (`inv db.downgrade -r REV`), ``stamp_command``
    the one that records one (`inv db.stamp -r REV`, the default)."""
    from alembic.runtime.migration import RevisionStep

    from alembic_steward.runtime._half_applied_marks import describe_heads

    # A stamp's step runs no downgrade().
    scripts = [s.revision for s in steps if isinstance(s, RevisionStep) and not s.is_upgrade]
    found = first_irreversible(scripts)
    if found is None:
        return
    reverted, script, named, reason = found
    at = describe_heads(current)
    if not reverted:
        ways = ways_on_from_irreversible(script, stamp_command or inv_stamp_command)
        raise IrreversibleDowngrade(
            f"{named} cannot be downgraded: {reason}; nothing was changed, the database is"
            f" still at {at}; {ways}"
        )
    raise IrreversibleDowngrade(
        f"{named} cannot be downgraded: {reason}; this downgrade would revert"
        f" {', '.join(reverted)} before it, so it was refused before its first step: nothing"
        f" was changed, the database is still at {at}; stop at {script.revision} instead:"
        f" {stop_command(script.revision)}"
    )


def ways_on_from_irreversible(script: Any, stamp_command: Callable[[str], str]) -> str:
    """What to do when the downgrade of ``script``'s revision itself is refused: write its
    downgrade() when it only was not written (NotImplementedError); else, or if it cannot be
    written, undo its work some other way. Never the downgrade again, which raises again."""
    from alembic_steward.runtime._half_applied_marks import describe_heads, down_revisions
    from alembic_steward.runtime._stopped_downgrades import fix_first

    revision = script.revision
    parent = describe_heads(list(down_revisions(script.down_revision)) or ["base"])
    undo = (
        f"to undo {revision}'s work all the same: write a new revision whose upgrade() undoes"
        f" it; or restore a backup taken before {revision} ran; or undo it by hand and record"
        f" that with {stamp_command(parent)}"
    )
    declaration = revision_declaration(script.path)
    if declaration is not None and declaration.raised == "NotImplementedError":
        return f"{fix_first(revision, declaration.raised)} before downgrading it again; or {undo}"
    return f"{revision} stays applied: {undo}"


def inv_stamp_command(revision: str) -> str:
    """`inv db.stamp -r REV` (the installed service's `stamp`, a fan-out tenant's `--tenants`)."""
    from alembic_steward.runtime._half_applied_marks import stamp_command

    return stamp_command(revision.split(", "))


def first_irreversible(scripts: Iterable[Any]) -> tuple[list[str], Any, str, str] | None:
    """For the first of ``scripts`` (revisions, newest first) that declares itself irreversible:
    the revisions before it, it, its name (`revision r2 (title)`) and the reason; or None."""
    reverted: list[str] = []
    for script in scripts:
        declaration = revision_declaration(script.path)
        if declaration is None:
            reverted.append(script.revision)
            continue
        title = (script.doc or "").strip().splitlines()
        named = f"revision {script.revision}" + (f" ({title[0]})" if title else "")
        where = f"{shown(script.path)}:{declaration.line}"
        reason = declaration.reason or f"its downgrade() raises {declaration.raised} at {where}"
        return reverted, script, named, reason
    return None


def refuse_irreversible_script(script_directory: Any, start: str, target: str) -> None:
    """Refuse an offline downgrade script from ``start`` to ``target`` that would revert a
    revision declaring itself irreversible, before anything is printed: the script would stop
    there when applied, after the statements above it (and a `> file` redirect keeps them)."""
    scripts = script_directory.iterate_revisions(start, target, select_for_downgrade=True)
    found = first_irreversible(scripts)
    if found is None:
        return
    reverted, script, named, reason = found
    before = f"; the script would revert {', '.join(reverted)} before it" if reverted else ""
    advice = (
        f"; stop at {script.revision} instead:"
        f" `inv db.downgrade --sql -r {start}:{script.revision}`"
        if reverted
        else ""
    )
    raise IrreversibleDowngrade(
        f"{named} cannot be downgraded: {reason}{before}; no SQL was printed{advice}"
    )


def shown(path: str) -> str:
    """The revision file's path as the other lines show it (relative to the project)."""
    from alembic_steward._wiring import shown_path

    try:
        return shown_path(Path(path))
    except Exception:  # noqa: BLE001 - no wiring: the path as Alembic has it
        return str(path)


def inv_stop_command(revision: str) -> str:
    """`inv db.downgrade -r REV`, for the tenant a fan-out's worker runs for."""
    from alembic_steward.runtime._advice import bound_tenant_options

    return f"`inv db.downgrade -r {revision}{bound_tenant_options()}`"


def refusing_irreversible_downgrades(
    plan_steps: Callable[..., Any] | None,
) -> Callable[..., Any] | None:
    """Wrap Alembic's ``fn`` (the command's planned steps) so that an online downgrade whose
    plan crosses an irreversible revision stops before its first step; None stays None."""
    if plan_steps is None:
        return None

    @functools.wraps(plan_steps)  # keeps the command's name (`downgrade`) for later wrappers
    def steps(heads: Any, migration_context: Any) -> Any:
        planned = plan_steps(heads, migration_context)
        # A generator (the baked stairway's) plans itself, one step at a time; an offline
        # script changes nothing, and says so if it reaches the raise.
        if isinstance(planned, list) and not migration_context.as_sql:
            stop, stamp = commands_for(migration_context)
            refuse_irreversible_steps(planned, heads, stop, stamp)
        return planned

    return steps


def commands_for(migration_context: Any) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """The commands that stop a downgrade at a revision and record one: raw `alembic downgrade
    REV` and `alembic stamp REV` under the `alembic` command, else the inv tasks."""
    from alembic_steward.runtime._protection import raw_alembic_command

    config = migration_context.config
    if config is not None and raw_alembic_command(config) == "downgrade":
        # A protected database's downgrade was confirmed (`-x confirm=ENV`): so must these be.
        confirmed = [x for x in getattr(config.cmd_opts, "x", None) or [] if "confirm=" in x]
        alembic = "alembic" + "".join(f" -x {x}" for x in confirmed[:1])
        return (
            lambda revision: f"`{alembic} downgrade {revision}`",
            lambda revision: f"`{alembic} stamp {revision.replace(', ', ' ')}`",
        )
    return inv_stop_command, inv_stamp_command


def raised_in_downgrade(frame: MigrationFrame) -> MigrationFrame:
    """IrreversibleMigration belongs to downgrade(): raised in a helper of the revision file,
    the frame stands for its downgrade(), whose state the line says."""
    from dataclasses import replace

    return frame if frame.function == "downgrade" else replace(frame, function="downgrade")


def state_after_irreversible(state: StateAfterFailure, frame: MigrationFrame) -> str:
    """The state after IrreversibleMigration stopped a downgrade as it reached ``frame``'s
    revision, read: the steps the run had finished before it stay (the version table says so),
    then what the revision's own downgrade() left."""
    return state.after_step(raised_in_downgrade(frame))
