"""The documented branch-merge flow with a schema file committed: two branches each add a
revision (a table each), so `git merge` stops on `versions/HEAD` *and* on
`schema.sqlite.txt`, whose heads line differs on every branch. `db.rebase` and `db.merge` treat
the conflicted schema file as generated: they rebuild it from the one history and stage it.
On SQLite: the flow is git's and the file's, the same on every database."""

from __future__ import annotations

from pathlib import Path

import pytest
from project import Project
from test_rebase import git, local_env, merge_main, shutil_which

HEAD_FILE = "app/migrations/versions/HEAD"
SCHEMA_FILE = "app/migrations/schema.sqlite.txt"


def add_table(project: Project, env: dict[str, str], rev_id: str, branch: str) -> None:
    """One revision creating table ``rev_id``, the schema file rewritten, both committed."""
    project.inv("db.revision", "--empty", "-m", f"{rev_id} table", "--rev-id", rev_id, env=env)
    path = next(project.versions.glob(f"*{rev_id}*.py"))
    table = f'    op.create_table("{rev_id}", sa.Column("id", sa.Integer(), primary_key=True))'
    path.write_text(path.read_text().replace("    pass", table, 1))
    project.inv("db.schema", env=env)
    git(project.path, "add", "-A")
    git(project.path, "commit", "-qm", f"{rev_id} on {branch}")


def two_branches_with_schema(project: Project, tmp_path: Path, env: dict[str, str]) -> None:
    """base0 on main (pushed); f1 on `feature`; m1 on main (pushed); `feature` checked out."""
    if not shutil_which("git"):
        pytest.skip("git is not installed")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    (project.path / ".gitignore").write_text("__pycache__/\n*.db\n")
    git(project.path, "init", "-q", "-b", "main")
    git(project.path, "remote", "add", "origin", str(remote))
    add_table(project, env, "base0", "main")
    git(project.path, "push", "-q", "origin", "main")
    git(project.path, "checkout", "-q", "-b", "feature")
    add_table(project, env, "f1", "feature")
    git(project.path, "checkout", "-q", "main")
    add_table(project, env, "m1", "main")
    git(project.path, "push", "-q", "origin", "main")
    git(project.path, "checkout", "-q", "feature")


def test_rebase_rebuilds_and_stages_the_conflicted_schema_file(
    project: Project, tmp_path: Path
) -> None:
    env = local_env(tmp_path)
    two_branches_with_schema(project, tmp_path, env)
    assert sorted(merge_main(project)) == sorted([HEAD_FILE, SCHEMA_FILE])

    moved = project.inv("db.rebase", env=env).stdout
    assert "Moved f1 onto m1" in moved, moved
    assert f"Rebuilt {SCHEMA_FILE}" in moved and "staged in git" in moved, moved
    assert git(project.path, "diff", "--name-only", "--diff-filter=U").stdout == ""
    text = (project.path / SCHEMA_FILE).read_text()
    assert "<<<<<<<" not in text and "table f1\n" in text and "table m1\n" in text
    git(project.path, "commit", "-q", "--no-edit")
    assert git(project.path, "status", "--porcelain").stdout.strip() == ""

    assert "is current" in project.inv("db.schema", "--check", env=env).stdout
    project.inv("db.upgrade", env=env)
    assert "f1" in project.inv("db.current", env=env).stdout


def test_merge_rebuilds_and_stages_the_conflicted_schema_file(
    project: Project, tmp_path: Path
) -> None:
    env = local_env(tmp_path)
    two_branches_with_schema(project, tmp_path, env)
    merge_main(project)

    merged = project.inv("db.merge", "-m", "Merge heads", env=env).stdout
    assert f"Rebuilt {SCHEMA_FILE}" in merged and "staged in git" in merged, merged
    assert "`inv db.schema`" in merged, merged
    text = (project.path / SCHEMA_FILE).read_text()
    assert "<<<<<<<" not in text and "table f1\n" in text and "table m1\n" in text
    unmerged = git(project.path, "diff", "--name-only", "--diff-filter=U").stdout.split()
    assert SCHEMA_FILE not in unmerged

    assert "is current" in project.inv("db.schema", "--check", env=env).stdout
    git(project.path, "add", "-A")
    git(project.path, "commit", "-q", "--no-edit")
    project.inv("db.upgrade", env=env)
