"""The bake's task list as its user meets it: documented in its README, quick to list.

The tasks themselves are the toolkit's (toolkit/tests/test_tasks_*.py); these check what the
bake adds around them: its README's table, and a tasks/__init__.py that loads them lazily.
"""

from __future__ import annotations

import re
from pathlib import Path

from baked_project import BakedProject, created_revision


def listed_tasks(project: BakedProject) -> list[str]:
    listing = project.inv("--list").stdout
    return re.findall(r"^\s+(db\.[\w-]+)\s", listing, re.MULTILINE)


def test_the_readme_task_table_matches_inv_list(project: BakedProject) -> None:
    readme = (project.path / "README.md").read_text()
    documented = re.findall(r"^\| `inv (db\.[\w-]+)[^`]*` \|", readme, re.MULTILINE)
    assert sorted(documented) == sorted(listed_tasks(project))
    assert "inv --print-completion-script bash" in readme


def test_listing_tasks_imports_neither_sqlalchemy_nor_alembic(project: BakedProject) -> None:
    completed = project.run("python", "-X", "importtime", "-m", "invoke", "--list")
    assert completed.returncode == 0, completed.stderr
    imported = {line.split("|")[-1].strip() for line in completed.stderr.splitlines()}
    assert "invoke" in imported
    packages = {name.split(".")[0] for name in imported}
    assert "alembic_steward" in packages  # the tasks come from the toolkit, lazily
    assert not packages & {"sqlalchemy", "alembic"}


def test_previous_release_check_passes_the_tagged_bake_on_its_expanded_database(
    project: BakedProject, tmp_path: Path
) -> None:
    # The bake as released (v1), then a model added: its revision is an expand one.
    project.git("tag", "v1")
    try:
        project.add_user_model()
        scratch = {"DATABASE_URL": f"sqlite:///{(tmp_path / 'scratch.db').as_posix()}"}
        revision, _ = created_revision(
            project.inv("db.revision", "-m", "Users", env=scratch).stdout
        )
        project.git("add", "--all")
        project.git("commit", "--quiet", "--message", "Users")
        # Named: the snapshot's own tag marks the same commit.
        completed = project.inv("db.previous-release-check", "--tag", "v1")
    finally:
        project.git("tag", "--delete", "v1")
    assert f"Applied the expand phase up to {revision}" in completed.stdout
    # v1's own tests ran on it, the start-up guard's among them; its migration checks skipped.
    assert "The tests of v1 pass" in completed.stdout
    assert re.search(r"\b[1-9]\d* passed, \d+ skipped\b", completed.stdout), completed.stdout
