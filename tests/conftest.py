"""Fixtures shared by the template tests: baked projects, and one installed as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from baked_project import BakedProject

# The safety tests' database fixtures (tests/servers.py).
pytest_plugins = ["servers"]


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
    return BakedProject.installed_snapshot(Path(result.project_path))


@pytest.fixture
def project(installed_project: BakedProject) -> Iterator[BakedProject]:
    """The installed project, reset to the fresh bake: no revisions, no database."""
    yield installed_project
    installed_project.restore_snapshot()
