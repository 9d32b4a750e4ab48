"""`inv db.rebase`: move this branch's revisions onto the head of the branch it merges into.

This branch's revisions are the revision files in the checkout whose ids the target branch
(default: the remote's default branch, origin/main) does not have. The first of them gets the
target's head as its down_revision (and `Revises:` line), and the head file names the last.
Rewriting a revision that some database already ran corrupts that database's history (the
reason Alembic declined such a command, sqlalchemy/alembic#744), so it refuses a revision
applied to the local database (naming the downgrade that undoes it) or present on the remote's
default branch (published), and any git conflict other than the head file's and the schema
file's: that one is generated, so it is rebuilt from the moved history and staged
(tasks/_schema_conflicts.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error

NOTHING_REWRITTEN = "nothing was rewritten"
DOWN_REVISION_LINE = re.compile(r"^(down_revision\s*(?::[^=\n]*)?=\s*)(.+?)\s*$", re.M)
REVISES_LINE = re.compile(r"^Revises:[^\n]*$", re.M)


@dataclass(frozen=True)
class RevisionFile:
    """One revision file of the checkout, read from its text."""

    revision: str
    parents: tuple[str, ...]
    path: Path


@task(help={"onto": "The branch to move onto, e.g. origin/main (default: the remote's default)"})
@exit_on_user_error
def rebase(c: Context, onto: str | None = None) -> None:
    """Move this branch's revisions onto the head of another branch (default: origin/main)."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.tasks._git import GitError

    versions = active_steward().versions_dir
    try:
        plan = plan_rebase(versions, onto)
    except GitError as reason:
        raise Exit(f"error: {reason}; {NOTHING_REWRITTEN}", code=1) from None
    plan.apply()


@dataclass
class RebasePlan:
    """What `db.rebase` rewrites: ``moved`` (first to last) onto ``head``, the target's head."""

    root: Path
    versions: Path
    target: str
    head: str
    moved: list[RevisionFile]

    def apply(self) -> None:
        from alembic_steward.runtime._head_file import head_file, write_head_file
        from alembic_steward.tasks._git import git

        first, last = self.moved[0], self.moved[-1]
        moving = first.parents != (self.head,)
        if moving:
            repoint(first.path, self.head)
        write_head_file(self.versions, [last.revision])
        # Staged, so a merge stopped on the head file is resolved, and its commit carries the
        # rewritten revision too.
        paths = [str(head_file(self.versions)), str(first.path)]
        git(self.root, "add", "--", *paths)
        ids = ", ".join(revision.revision for revision in self.moved)
        if not moving:
            print(
                f"{ids} already follow {self.head} (the head of {self.target}); the head file"
                f" names {last.revision} and is staged in git."
            )
        else:
            print(
                f"Moved {ids} onto {self.head} (the head of {self.target}): {first.revision} now"
                f" revises {self.head}, and the head file names {last.revision}; both files are"
                " staged in git."
            )
        from alembic_steward.tasks._schema_conflicts import rebuild_schema_files

        # Moved, the history builds what both branches' revisions build: a schema file written
        # on either branch describes only one of them, conflicted in git or not.
        rebuild_schema_files(
            only_conflicted=not moving,
            stage_all=True,
            why="generated: it describes the moved history, never merged by hand",
        )


def plan_rebase(versions: Path, onto: str | None) -> RebasePlan:
    """Read the checkout and the target branch; Exit (one line) on whatever must not move."""
    from alembic_steward.tasks._git import (
        checkout_root,
        conflicted_paths,
        default_remote_branch,
        ref_exists,
        revisions_at,
    )

    root = checkout_root(versions)
    relative = versions.resolve().relative_to(root).as_posix()
    default = default_remote_branch(root)
    target = onto or default
    if target is None:
        raise Exit(
            "error: this checkout has no origin/main (nor origin/HEAD): say which branch to move"
            f" onto with `inv db.rebase --onto BRANCH`; {NOTHING_REWRITTEN}",
            code=1,
        )
    if not ref_exists(root, target):
        raise Exit(
            f"error: git knows no branch {target!r}; `git fetch` it, or name another with"
            f" --onto; {NOTHING_REWRITTEN}",
            code=1,
        )
    refuse_conflicts(conflicted_paths(root), f"{relative}/HEAD", schema_files(root))
    theirs = revisions_at(root, target, relative)
    head = single_head(theirs, target)
    ours = [r for r in checkout_revisions(versions) if r.revision not in theirs]
    if not ours:
        raise Exit(
            f"error: every revision in {relative} is on {target}: this branch has none to move;"
            f" {NOTHING_REWRITTEN}",
            code=1,
        )
    refuse_published(root, relative, ours, default, target)
    moved = in_order(ours, target)
    if moved[0].parents != (head,):  # already on the head: nothing any database ran moves
        refuse_applied(moved)
    return RebasePlan(root, versions, target, head, moved)


def schema_files(root: Path) -> set[str]:
    """The schema files' root-relative paths: generated, so a conflict in them is not refused."""
    from alembic_steward.tasks._schema_conflicts import schema_file_paths

    return {path.resolve().relative_to(root).as_posix() for path in schema_file_paths()}


def refuse_conflicts(conflicted: list[str], head_file: str, generated: set[str]) -> None:
    others = [path for path in conflicted if path != head_file and path not in generated]
    if others:
        raise Exit(
            f"error: git reports a conflict in {', '.join(others)}, which db.rebase cannot"
            " resolve; resolve it (or `git merge --abort`), then run `inv db.rebase` again;"
            f" {NOTHING_REWRITTEN}",
            code=1,
        )


def single_head(theirs: dict[str, tuple[str, ...]], target: str) -> str:
    parents = {parent for ids in theirs.values() for parent in ids}
    heads = sorted(set(theirs) - parents)
    if len(heads) != 1:
        raise Exit(
            f"error: {target} has {len(heads)} heads ({', '.join(heads) or 'no revision'}), so"
            f" there is no one head to move onto; {NOTHING_REWRITTEN}",
            code=1,
        )
    return heads[0]


def checkout_revisions(versions: Path) -> list[RevisionFile]:
    from alembic_steward.tasks._git import GitError, identifiers

    found = []
    for path in sorted(versions.glob("*.py")):
        if path.name.startswith(("__init__", ".#")):
            continue
        revision, parents = identifiers(path.read_text(encoding="utf-8"))
        if revision is None or parents is None:
            raise GitError(f"{path.name} does not name its revision plainly")
        found.append(RevisionFile(revision, parents, path))
    return found


def refuse_published(
    root: Path, relative: str, ours: list[RevisionFile], default: str | None, target: str
) -> None:
    """Stop on a revision that is on the remote's default branch: a deployment may have run it."""
    from alembic_steward.tasks._git import revisions_at

    if default is None or default == target:
        return  # the target's revisions are not ours by definition
    published = sorted(set(revisions_at(root, default, relative)) & {r.revision for r in ours})
    if published:
        from alembic_steward._listing import named

        it = "it" if len(published) == 1 else "them"
        raise Exit(
            f"error: {named(published, 'revision', 'revisions')} {'is' if it == 'it' else 'are'}"
            f" already on {default}"
            f" (published), so databases deployed from it may have run {it}, and moving {it}"
            " would corrupt their history; write a new revision on top of the head instead;"
            f" {NOTHING_REWRITTEN}",
            code=1,
        )


def in_order(ours: list[RevisionFile], target: str) -> list[RevisionFile]:
    """This branch's revisions first to last; Exit unless they form one line."""
    by_id = {revision.revision: revision for revision in ours}
    firsts = [r for r in ours if not set(r.parents) & set(by_id)]
    line = []
    if len(firsts) == 1 and len(firsts[0].parents) <= 1:
        line = [firsts[0]]
        while True:
            children = [r for r in ours if line[-1].revision in r.parents]
            if len(children) != 1 or len(children[0].parents) != 1:
                break
            line.append(children[0])
    if len(line) != len(ours):
        raise Exit(
            f"error: this branch's revisions ({', '.join(sorted(by_id))}, those not on {target})"
            " are not one line of revisions, so there is no one first revision to move; merge"
            f" or remove the extra ones first; {NOTHING_REWRITTEN}",
            code=1,
        )
    return line


def refuse_applied(moved: list[RevisionFile]) -> None:
    """Stop when the local database ran one of ``moved``, naming the downgrade that undoes it."""
    from alembic_steward.tasks._local_database import LocalDatabaseUnreadable, local_revisions

    try:
        current = set(local_revisions())
    except LocalDatabaseUnreadable as reason:
        print(
            f"note: the local database could not be read ({reason}), so whether it ran these"
            " revisions was not checked"
        )
        return
    reached = [index for index, revision in enumerate(moved) if revision.revision in current]
    if not reached:
        return
    applied = moved[: max(reached) + 1]
    below = moved[0].parents[0] if moved[0].parents else "base"
    from alembic_steward._listing import named

    ids = [r.revision for r in applied]
    it = "it" if len(ids) == 1 else "them"
    raise Exit(
        f"error: {named(ids, 'revision', 'revisions')} {'is' if it == 'it' else 'are'} applied"
        " to the local"
        f" database (at {', '.join(sorted(current))}), and moving {it} would leave that"
        f" database's history wrong; undo {it} first with `inv db.downgrade -r {below}`, then run"
        f" `inv db.rebase` again; {NOTHING_REWRITTEN}",
        code=1,
    )


def repoint(path: Path, parent: str) -> None:
    """Make the revision file at ``path`` revise ``parent``: its down_revision and Revises line."""
    text = path.read_text(encoding="utf-8")
    text = DOWN_REVISION_LINE.sub(lambda m: f'{m.group(1)}"{parent}"', text, count=1)
    text = REVISES_LINE.sub(f"Revises: {parent}", text, count=1)
    path.write_text(text, encoding="utf-8")
