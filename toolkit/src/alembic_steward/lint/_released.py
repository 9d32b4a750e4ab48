"""Released revisions are immutable: `inv db.lint --released REF` names every revision file that
exists at REF (a release tag) and has since been edited or deleted.

Databases that ran a released revision keep what its old text did, so an edit reaches only new
databases and the two kinds drift apart. A squash is the one sanctioned rewrite: a file that
declares ``squashes = (...)`` replaces the revisions it names, its own id included.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

GIT_TIMEOUT_SECONDS = 30
REVISION_LINE = re.compile(r"""^revision\s*(?::[^=\n]*)?=\s*["'](\w+)["']""", re.M)
SQUASHES_LINE = re.compile(r"^squashes\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)
QUOTED_ID = re.compile(r"""["'](\w+)["']""")


class ReleasedRefError(ValueError):
    """REF names no commit git knows, or git cannot be run here (the text says which)."""


def git(root: Path, *arguments: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *arguments],
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ReleasedRefError(f"git could not be run ({error})") from None


def squashed_ids(text: str) -> set[str]:
    """The ids a revision file's ``squashes = (...)`` names, or none."""
    line = SQUASHES_LINE.search(text)
    return set(QUOTED_ID.findall(line[1])) if line else set()


def released_changes(ref: str, versions_dir: Path) -> list[str]:
    """One line per revision file at ``ref`` that is edited or gone in the working tree.

    Raises ReleasedRefError when ``ref`` is not a commit of the repository holding
    ``versions_dir``.
    """
    top = git(versions_dir, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise ReleasedRefError(f"{versions_dir} is not in a git repository")
    root = Path(top.stdout.decode().strip())
    if git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise ReleasedRefError(f"git knows no commit or tag {ref!r} (`git tag` lists the tags)")
    relative = versions_dir.resolve().relative_to(root.resolve()).as_posix()
    listed = git(root, "ls-tree", "-r", "--name-only", ref, "--", relative)
    released = [name for name in listed.stdout.decode().splitlines() if name.endswith(".py")]
    current = {p.resolve(): p.read_text(encoding="utf-8") for p in versions_dir.rglob("*.py")}
    squashing = {path: squashed_ids(text) for path, text in current.items()}
    all_squashed = set().union(*squashing.values()) if squashing else set()
    lines = []
    for name in released:
        old = git(root, "show", f"{ref}:{name}").stdout
        path = (root / name).resolve()
        found = REVISION_LINE.search(old.decode("utf-8", "replace"))
        revision = found[1] if found else None
        if not path.is_file():
            if revision is None or revision not in all_squashed:
                lines.append(
                    f"{name}: revision {revision or '?'} was released in {ref} and has been"
                    f" deleted; {restore(ref, name)}"
                )
            continue
        if path.read_bytes() == old or squashing.get(path):
            continue
        lines.append(
            f"{name}: revision {revision or '?'} was released in {ref} and has been edited since;"
            f" {restore(ref, name)}"
        )
    return lines


def restore(ref: str, name: str) -> str:
    return (
        "databases that ran it keep its old text, so restore it"
        f" (`git checkout {ref} -- {name}`) and make the change in a new revision"
    )
