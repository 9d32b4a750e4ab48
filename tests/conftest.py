"""Fixtures shared by the template tests: baked projects, and one installed as a user would."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from baked_project import BakedProject

# The safety tests' database fixtures (tests/servers.py).
pytest_plugins = ["servers"]


def git(project_dir: Path, *args: str) -> None:
    identity = ["-c", "user.name=template tests", "-c", "user.email=tests@example.invalid"]
    subprocess.run(["git", *identity, *args], cwd=project_dir, check=True, capture_output=True)


@pytest.fixture(scope="session")
def default_bake(cookies_session) -> Path:
    """The project baked with every default, shared read-only by the tests."""
    result = cookies_session.bake()
    assert result.exit_code == 0, result.exception
    return Path(result.project_path)


@pytest.fixture(scope="session")
def installed_project(cookies_session) -> BakedProject:
    """A default bake installed into its own virtualenv with `pip install -e .[dev]`."""
    result = cookies_session.bake()
    assert result.exit_code == 0, result.exception
    project = BakedProject(Path(result.project_path))
    project.install()
    # A git snapshot of the fresh bake lets each test start from it without reinstalling.
    git(project.path, "init", "--quiet")
    git(project.path, "add", "--all")
    git(project.path, "commit", "--quiet", "--message", "fresh bake")
    return project


@pytest.fixture
def project(installed_project: BakedProject) -> Iterator[BakedProject]:
    """The installed project, reset to the fresh bake: no revisions, no database."""
    yield installed_project
    git(installed_project.path, "checkout", "--quiet", "--", ".")
    git(installed_project.path, "clean", "--quiet", "-fdx", "-e", ".venv", "-e", "*.egg-info")
