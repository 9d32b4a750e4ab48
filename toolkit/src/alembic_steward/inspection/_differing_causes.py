"""What can make a database differ from what its revision builds, besides a hand change: the
code its revisions import, which their checksums do not cover (a checksum is its file's alone,
runtime/_revision_checksums.py), and an edit accepted with `inv db.accept-edit`.

Named in the advice of `db.status`/`db.check` exit 9, so that "stamped without running, or
changed by hand" does not blame what never happened when a shared helper module changed.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

ACCEPTED_EDIT = "an accepted edit of an applied revision changed what that revision builds"
RESTORE = (
    "if a revision's file or code it imports changed since it ran, restore the text that ran"
    " (`git log -p` on it) and make the change in a new revision"
)


def history_causes(script: ScriptDirectory | None = None) -> str:
    """The causes on the history's side, as a clause to follow the hand change: the revisions
    that import the project's own code (each with its modules), and an accepted edit.
    ``script``: the caller's history, if it holds one (reading it again runs every revision
    file); read once here otherwise."""
    if script is None:
        script = app_history()
    importing = project_imports(script)
    named = "; ".join(f"{revision} imports {', '.join(modules)}" for revision, modules in importing)
    code = (
        f", or code that revisions import changed since they ran, which their checksums do not"
        f" cover ({named})"
        if importing
        else ""
    )
    return f"{code}, or {accepted_edit(script)}"


def app_history() -> ScriptDirectory | None:
    """The app's history, or None when it cannot be read (the advice goes on without)."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    try:
        return ScriptDirectory.from_config(build_alembic_config())
    except Exception:  # noqa: BLE001 - advice, not a check: said without what it would name
        return None


def accepted_edit(script: ScriptDirectory | None = None) -> str:
    """ACCEPTED_EDIT, naming the edits accepted on this database (runtime/_accepted_edits.py)
    whose files are still as accepted: `the edit of r1 accepted here (`inv db.accept-edit -r
    r1`) changed what that revision builds`."""
    named = accepted_edits_named(script)
    if not named:
        return ACCEPTED_EDIT
    built = "those revisions build" if "," in named else "that revision builds"
    return f"{named} changed what {built}"


def accepted_edits_named(script: ScriptDirectory | None = None) -> str:
    """`the edit of r1 accepted here (`inv db.accept-edit -r r1`)`, or "" when none is kept.
    ``script``: the caller's history, if it holds one."""
    from alembic_steward.runtime._accepted_edits import accepted_here

    if script is None:
        script = app_history()
    if script is None:
        return ""
    try:
        named = accepted_here(script)
    except Exception:  # noqa: BLE001 - advice, not a check: said without the names
        return ""
    if not named:
        return ""
    commands = ", ".join(f"`inv db.accept-edit -r {revision}`" for revision in named)
    return f"the edit of {', '.join(named)} accepted here ({commands})"


def project_imports(script: ScriptDirectory | None) -> list[tuple[str, list[str]]]:
    """(revision, the project's modules its file imports) for each revision of ``script`` that
    imports one, oldest last; [] when the history cannot be read (the advice goes on without)."""
    from alembic_steward._wiring import WiringError, active_steward

    if script is None:
        return []
    try:
        package = active_steward().package.rsplit(".", 1)[0]
        revisions = list(script.walk_revisions())
    except (WiringError, Exception):  # noqa: BLE001 - advice, not a check: said without it
        return []
    found = []
    for revision in revisions:
        modules = imported_modules(Path(revision.path), package)
        if modules:
            found.append((revision.revision, modules))
    return found


def imported_modules(path: Path, package: str) -> list[str]:
    """The modules of ``package`` (and below) that the file at ``path`` imports, sorted."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return sorted(name for name in names if name == package or name.startswith(f"{package}."))
