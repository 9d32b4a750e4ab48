"""The bake's task list as its user meets it: documented in its README, quick to list.

The tasks themselves are the toolkit's (toolkit/tests/test_tasks_*.py); these check what the
bake adds around them: its README's table, and a tasks/__init__.py that loads them lazily.
"""

from __future__ import annotations

import re

from baked_project import BakedProject


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
