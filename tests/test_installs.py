"""BakedProject.install_with_uv, the tests' and the benchmark's install, installs the toolkit
as it is on disk, like the README's pip install: never a build uv cached before an edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from baked_project import BakedProject
from dev_env import TOOLKIT_DIR

PROJECT = """[project]
name = "edited_toolkit_user"
version = "0.1.0"
dependencies = ["alembic-steward @ {toolkit}"]

[project.optional-dependencies]
dev = []

[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"
"""
MARKER = "# an edit made after the first install\n"


def installed_init(project: BakedProject) -> str:
    (init,) = project.venv.glob("lib/python*/site-packages/alembic_steward/__init__.py")
    return init.read_text()


def test_a_toolkit_folder_edited_since_an_install_is_installed_as_edited(tmp_path: Path) -> None:
    # The toolkit by folder, as the benchmark bakes it outside the tests (checkout_requirement).
    toolkit = tmp_path / "toolkit"
    made = ("build", "*.egg-info", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache")
    shutil.copytree(TOOLKIT_DIR, toolkit, ignore=shutil.ignore_patterns(*made))
    projects = []
    for name in ("first", "second"):
        folder = tmp_path / name
        (folder / "edited_toolkit_user").mkdir(parents=True)
        (folder / "edited_toolkit_user" / "__init__.py").touch()
        (folder / "pyproject.toml").write_text(PROJECT.format(toolkit=toolkit.as_uri()))
        projects.append(BakedProject(folder))
    first, second = projects

    first.install_with_uv()
    assert MARKER not in installed_init(first)
    init = toolkit / "src" / "alembic_steward" / "__init__.py"
    init.write_text(init.read_text() + MARKER)
    # The toolkit's pyproject.toml is unchanged: uv's cache key for a folder, by default.
    second.install_with_uv()
    assert installed_init(second).endswith(MARKER)
