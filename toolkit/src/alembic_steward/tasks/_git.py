"""The few git questions `inv db.rebase` asks, each one `git` command run in the checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

from alembic_steward.runtime._code_history import IDENTIFIER_LINE, ids_in


class GitError(Exception):
    """git is missing, or refused a command; the text says what to do."""


def git(folder: Path, *arguments: str, check: bool = True) -> str:
    """Run `git ARGUMENTS` in ``folder``; its output. GitError when it fails and ``check``."""
    try:
        done = subprocess.run(
            ["git", *arguments], cwd=folder, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    if check and done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise GitError(f"`git {' '.join(arguments)}` failed: {reason}")
    return done.stdout if done.returncode == 0 else ""


def checkout_root(folder: Path) -> Path:
    """The top of the git checkout holding ``folder``; GitError outside one."""
    try:
        return Path(git(folder, "rev-parse", "--show-toplevel").strip()).resolve()
    except GitError:
        raise GitError(f"{folder} is not in a git checkout") from None


def ref_exists(root: Path, ref: str) -> bool:
    return bool(git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False))


def default_remote_branch(root: Path) -> str | None:
    """The remote's default branch (origin/HEAD, else origin/main or origin/master), or None."""
    symbolic = git(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", check=False)
    if symbolic.strip():
        return symbolic.strip().removeprefix("refs/remotes/")
    for candidate in ("origin/main", "origin/master"):
        if ref_exists(root, candidate):
            return candidate
    return None


def conflicted_paths(root: Path) -> list[str]:
    """The paths git reports as unmerged (a merge or rebase stopped on them), root-relative."""
    return git(root, "diff", "--name-only", "--diff-filter=U").splitlines()


def revisions_at(root: Path, ref: str, versions: str) -> dict[str, tuple[str, ...]]:
    """Map each revision id in ``versions`` (root-relative folder) at ``ref`` to its parents.

    Read from the files' text, as the start-up check reads them; a file whose revision or
    down_revision is not a plain literal raises GitError.
    """
    listed = git(root, "ls-tree", "--name-only", f"{ref}:{versions}", check=False).splitlines()
    revisions = {}
    for name in listed:
        if not name.endswith(".py") or name.startswith("__init__"):
            continue
        text = git(root, "show", f"{ref}:{versions}/{name}")
        revision, parents = identifiers(text)
        if revision is None or parents is None:
            raise GitError(f"{versions}/{name} at {ref} does not name its revision plainly")
        revisions[revision] = parents
    return revisions


def identifiers(text: str) -> tuple[str | None, tuple[str, ...] | None]:
    """A revision file's (revision, down_revisions) from its text; None where not plain."""
    assignments = dict(IDENTIFIER_LINE.findall(text))
    revision = ids_in(assignments.get("revision", ""))
    parents = ids_in(assignments.get("down_revision", ""))
    single = revision[0] if revision and len(revision) == 1 else None
    return single, None if parents is None else tuple(parents)
