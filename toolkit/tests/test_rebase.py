"""The head file and `inv db.rebase`: two branches' revisions conflict in git, and one moves.

A git fixture: a bare "remote", `main` and a `feature` branch of the fixture service each adding
one revision with `inv db.revision` on the same parent. Merging them stops on the head file
(where, without it, git would merge into a history with two heads); `db.lint` names the
conflict; `db.rebase` moves the feature's revision onto main's head, leaving one head that
upgrades. It refuses a revision the local database ran (naming the downgrade that undoes it),
one already on the remote's default branch, and a conflict in any other file.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from project import Project, one_error_line, revision_source

HEAD_FILE = "app/migrations/versions/HEAD"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(folder: Path, *arguments: str, code: int | None = 0) -> subprocess.CompletedProcess:
    environment = {**os.environ, **GIT_IDENTITY, "HOME": str(folder.parent)}
    done = subprocess.run(
        ["git", *arguments], cwd=folder, env=environment, capture_output=True, text=True
    )
    if code is not None and done.returncode != code:
        raise AssertionError(f"git {' '.join(arguments)}: {done.stdout}{done.stderr}")
    return done


def add_revision(project: Project, env: dict[str, str], rev_id: str, branch: str) -> None:
    project.inv("db.revision", "--empty", "-m", f"{rev_id} change", "--rev-id", rev_id, env=env)
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", f"{rev_id} on {branch}")


def two_branches(project: Project, tmp_path: Path, env: dict[str, str]) -> None:
    """base0 on main (pushed); f1 on `feature`; m1 on main (pushed); `feature` checked out."""
    if not shutil_which("git"):
        pytest.skip("git is not installed")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    (project.path / ".gitignore").write_text("__pycache__/\n*.db\n")
    git(project.path, "init", "-q", "-b", "main")
    git(project.path, "remote", "add", "origin", str(remote))
    add_revision(project, env, "base0", "main")
    git(project.path, "push", "-q", "origin", "main")
    git(project.path, "checkout", "-q", "-b", "feature")
    add_revision(project, env, "f1", "feature")
    git(project.path, "checkout", "-q", "main")
    add_revision(project, env, "m1", "main")
    git(project.path, "push", "-q", "origin", "main")
    git(project.path, "checkout", "-q", "feature")


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


def merge_main(project: Project) -> list[str]:
    """Merge origin/main into the checked-out branch; the paths it stopped on."""
    merged = git(project.path, "merge", "--no-edit", "origin/main", code=None)
    assert merged.returncode != 0, merged.stdout
    return git(project.path, "diff", "--name-only", "--diff-filter=U").stdout.split()


def local_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{(tmp_path / 'local.db').as_posix()}"}


def test_two_branches_conflict_on_the_head_file_and_rebase_leaves_one_head(
    project: Project, tmp_path: Path
) -> None:
    env = local_env(tmp_path)
    two_branches(project, tmp_path, env)
    assert merge_main(project) == [HEAD_FILE]

    stale = project.inv("db.lint", "--all", code=1, env=env)
    assert "merge conflict" in one_error_line(stale.stderr)
    # In a git checkout with a remote branch to move onto, the rebase is advised: it runs.
    assert "run `inv db.rebase`" in one_error_line(stale.stderr)

    moved = project.inv("db.rebase", env=env)
    assert "Moved f1 onto m1 (the head of origin/main)" in moved.stdout
    f1 = next(project.versions.glob("*f1*.py")).read_text()
    assert 'down_revision: str | Sequence[str] | None = "m1"' in f1 and "Revises: m1" in f1
    assert "f1\n" in (project.path / HEAD_FILE).read_text()
    assert git(project.path, "diff", "--name-only", "--diff-filter=U").stdout == ""
    git(project.path, "commit", "-q", "--no-edit")

    heads = project.inv("db.heads", env=env).stdout
    assert "f1" in heads and "m1" not in heads
    project.inv("db.lint", "--all", env=env)
    project.inv("db.upgrade", env=env)
    assert "f1" in project.inv("db.current", env=env).stdout


def test_a_revision_applied_locally_is_refused_with_the_downgrade_that_undoes_it(
    project: Project, tmp_path: Path
) -> None:
    env = local_env(tmp_path)
    two_branches(project, tmp_path, env)
    project.inv("db.upgrade", env=env)  # the feature's f1 runs on the local database
    merge_main(project)

    refused = project.inv("db.rebase", code=1, env=env)
    line = one_error_line(refused.stderr)
    assert "revision f1 is applied to the local database (at f1)" in line
    assert "`inv db.downgrade -r base0`" in line
    assert '= "base0"' in next(project.versions.glob("*f1*.py")).read_text()

    project.inv("db.downgrade", "-r", "base0", env=env)  # the very command the line names
    project.inv("db.rebase", env=env)
    project.inv("db.upgrade", env=env)


def test_a_revision_on_the_remote_default_branch_is_refused_as_published(
    project: Project, tmp_path: Path
) -> None:
    env = local_env(tmp_path)
    two_branches(project, tmp_path, env)
    # f1 reaches the remote's main; another branch carries m1: moving f1 there is refused.
    git(project.path, "push", "-q", "origin", "main:release")
    git(project.path, "push", "-q", "--force", "origin", "feature:main")
    git(project.path, "fetch", "-q", "origin")

    refused = project.inv("db.rebase", "--onto", "origin/release", code=1, env=env)
    line = one_error_line(refused.stderr)
    assert "revision f1 is already on origin/main (published)" in line


def test_a_conflict_in_another_file_is_refused(project: Project, tmp_path: Path) -> None:
    env = local_env(tmp_path)
    two_branches(project, tmp_path, env)
    (project.path / "notes.txt").write_text("feature\n")
    git(project.path, "add", "notes.txt")
    git(project.path, "commit", "-qm", "notes on feature")
    git(project.path, "checkout", "-q", "main")
    (project.path / "notes.txt").write_text("main\n")
    git(project.path, "add", "notes.txt")
    git(project.path, "commit", "-qm", "notes on main")
    git(project.path, "push", "-q", "origin", "main")
    git(project.path, "checkout", "-q", "feature")
    assert sorted(merge_main(project)) == sorted([HEAD_FILE, "notes.txt"])

    refused = project.inv("db.rebase", code=1, env=env)
    assert "conflict in notes.txt" in one_error_line(refused.stderr)


def test_lint_names_a_head_file_that_disagrees_with_the_history(project: Project) -> None:
    project.inv("db.revision", "--empty", "-m", "first", "--rev-id", "a1")
    assert "a1\n" in (project.path / HEAD_FILE).read_text()
    project.write_revision("a2.py", revision_source("a2", "a1", "    pass"))  # by hand

    stale = project.inv("db.lint", "--all", code=1)
    line = one_error_line(stale.stderr)
    assert "app/migrations/versions/HEAD names a1 but the history's head is a2" in line


def test_merge_names_the_merge_revision_in_the_head_file(project: Project) -> None:
    project.inv("db.revision", "--empty", "-m", "first", "--rev-id", "a1")
    project.write_revision("b1.py", revision_source("b1", "a1", "    pass"))
    project.write_revision("b2.py", revision_source("b2", "a1", "    pass"))
    merge = project.inv("db.merge", "-m", "Merge heads").stdout
    merged = merge.split("Created revision ")[1].split(":")[0]
    assert (project.path / HEAD_FILE).read_text().endswith(f"\n{merged}\n")
    project.inv("db.lint", "--all")


def test_an_unreachable_local_database_is_said_and_the_rebase_goes_on(
    project: Project, tmp_path: Path
) -> None:
    two_branches(project, tmp_path, local_env(tmp_path))
    merge_main(project)
    unreachable = {"DATABASE_URL": "postgresql+psycopg://app:secret@127.0.0.1:9/app"}
    moved = project.inv("db.rebase", env=unreachable)
    assert "note: the local database could not be read" in moved.stdout
    assert "secret" not in moved.stdout + moved.stderr
    assert "Moved f1 onto m1" in moved.stdout
