"""The committed file naming the history's head, so two branches' new revisions conflict in git.

Two branches that each add a revision on the same parent merge in git without a conflict (two
new files), and the merged history has two heads: found at deploy time, or by a test. Each
branch also rewrites this one line, so git stops the second merge at the conflict instead, and
`inv db.rebase` resolves it by moving that branch's revisions onto the other head.

`inv db.revision`, `inv db.merge`, `inv db.squash` and `inv db.rebase` write it; `inv db.lint`
fails when it disagrees with the history (a hand-resolved conflict, a revision added by hand).
A history without the file is not checked: the next revision written starts it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

HEAD_FILE_NAME = "HEAD"
COMMENT = (
    "# The head of the migration history, written by `inv db.revision` (and db.merge, db.squash,\n"
    "# db.rebase). Two branches that each add a revision conflict here when merged: resolve the\n"
    "# conflict with `inv db.rebase`, never by hand.\n"
)


def head_file(versions_dir: Path) -> Path:
    """The head file of the history whose revision files are in ``versions_dir``."""
    return versions_dir / HEAD_FILE_NAME


def head_file_text(heads: list[str]) -> str:
    return COMMENT + "".join(f"{head}\n" for head in sorted(heads))


def write_head_file(versions_dir: Path, heads: list[str]) -> None:
    """Write ``heads`` (one, in a linear history) to the head file, only if they changed."""
    path = head_file(versions_dir)
    text = head_file_text(heads)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_head_file_of(script: ScriptDirectory) -> None:
    """Write the heads of ``script``'s history to the head file in its versions folder."""
    write_head_file(Path(script.versions), list(script.get_heads()))


def heads_in_file(versions_dir: Path) -> list[str] | None:
    """The revision ids the head file names (conflict markers read as text), None without it."""
    path = head_file(versions_dir)
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def head_file_disagreement(script: ScriptDirectory) -> str | None:
    """One line saying how the head file differs from ``script``'s heads, or None if it agrees.

    None too when the history has no head file yet.
    """
    versions_dir = Path(script.versions)
    named = heads_in_file(versions_dir)
    if named is None:
        return None
    heads = sorted(script.get_heads())
    if sorted(named) == heads:
        return None
    from alembic_steward._listing import listed
    from alembic_steward._wiring import shown_path
    from alembic_steward.inspection._database_state import heads_advice

    shown = shown_path(head_file(versions_dir))
    if any(line.startswith(("<<<<<<<", "=======", ">>>>>>>")) for line in named):
        return (
            f"{shown} holds a git merge conflict (the history's heads are {listed(heads)}):"
            f" two branches each added a revision; {heads_advice(versions_dir)}"
        )
    if len(heads) > 1:
        # Every task's advice for several heads (db.status, db.check), word for word.
        advice = f"the history has several heads: {heads_advice(versions_dir)}"
    else:
        advice = (
            "a revision was added, removed or re-pointed by hand: replace the id in it with"
            f" {heads[0] if heads else 'nothing (no revision)'}"
        )
    from alembic_steward._listing import named as in_number

    history = in_number(heads, "head is", "heads are") if heads else "head is base (no revision)"
    return f"{shown} names {listed(named) or 'no revision'} but the history's {history}; {advice}"
