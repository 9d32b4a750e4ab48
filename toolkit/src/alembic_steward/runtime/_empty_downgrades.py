"""Say when a downgrade reverted a revision whose downgrade() does nothing.

Alembic runs an empty downgrade() (`pass`) without a word and moves the version table below the
revision: the schema and rows its upgrade() changed are all still there, and nothing said so.
`inv db.lint` flags such a file (empty-downgrade); the downgrade that runs it says it too, read
from each reverted revision's source, as the lint reads it. A file whose marker accepts the
empty downgrade (`# lint: allow empty-downgrade`) was written so on purpose: it is not said.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

    from alembic_steward._revision_functions import MigrationFunction

RULE = "empty-downgrade"


def does_nothing(function: MigrationFunction) -> bool:
    """Tell whether a function's body is only a docstring, `pass` or `...`."""
    for statement in function.body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        return False
    return True


def empty_downgrade_of(tree: ast.Module | None) -> MigrationFunction | None:
    """The downgrade() of the revision ``tree`` when it does nothing while its upgrade() does
    something, as Alembic finds them (async ones too: _revision_functions.py); else None. The
    one reading of it, for the lint's finding and the downgrade's warning alike."""
    from alembic_steward._revision_functions import migration_function

    if tree is None:
        return None
    upgrade, downgrade = migration_function(tree, "upgrade"), migration_function(tree, "downgrade")
    if upgrade is None or downgrade is None or does_nothing(upgrade):
        return None  # a merge or a blank revision has nothing to revert
    return downgrade if does_nothing(downgrade) else None


def empty_downgrade(path: str | Path | None) -> bool:
    """Whether the revision file at ``path`` has an upgrade() that does something and a
    downgrade() that does nothing, not accepted by a lint marker; False when unreadable."""
    from alembic_steward.lint._findings import MARKER

    if path is None:
        return False
    try:
        text = Path(path).read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError):
        return False
    downgrade = empty_downgrade_of(tree)
    if downgrade is None:
        return False
    lines = text.splitlines()[downgrade.lineno - 1 : downgrade.end_lineno]
    return not any(RULE in marker[1] for line in lines for marker in MARKER.finditer(line))


def empty_reverts(script: ScriptDirectory, reverted: Iterable[str]) -> list[str]:
    """Those of ``reverted`` whose downgrade() does nothing (unreadable ones left out)."""
    emptied = []
    for revision in reverted:
        found = script.get_revision(revision)
        if found is not None and empty_downgrade(found.path):
            emptied.append(revision)
    return emptied


def reverted_empty(revision: str) -> str:
    """What reverting ``revision``, whose downgrade() is empty, did not do: the one wording of
    the finished downgrade's warning and the stopped one's line."""
    return (
        f"revision {revision}'s downgrade() is empty, so reverting it changed nothing: the"
        " schema and the rows its upgrade() changed are as they were (only the version table"
        f" moved below {revision}); write its downgrade(), or undo that work by hand (`inv"
        " db.lint` flags it as empty-downgrade)"
    )
