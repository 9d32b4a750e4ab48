"""Fixtures of the toolkit's own tests: a fresh fixture service, and databases of each kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from project import Project

pytest_plugins = ["servers"]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A fresh copy of the fixture service (blocking engine, SQLite by default)."""
    return Project.copy_to(tmp_path / "service")


@pytest.fixture
def async_project(tmp_path: Path) -> Project:
    """A fresh copy of the fixture service using SQLAlchemy's asyncio engine."""
    return Project.copy_to(tmp_path / "service", FIXTURE_ASYNC="1")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each test module on one pytest-xdist worker unless its tests name a group.

    `--dist loadgroup` with every module as its own group is `--dist loadfile`, except that a
    module may split itself into groups (one per fault history, say) to share the workers.
    """
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
