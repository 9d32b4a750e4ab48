"""Fixtures of the toolkit's own tests: a fresh fixture service, and databases of each kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from project import Project

pytest_plugins = ["servers", "catalog_databases", "tenant_projects"]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers more than there are cores. Many tests spend seconds waiting on a
    timeout, a lock, a signal or the disk (MariaDB's DDL, PostgreSQL's CREATE DATABASE) with
    their worker idle (test_lock_timeouts, test_stalled_connections, test_interrupts); the extra
    workers keep the cores busy then. Measured on 2 cores: two workers 753 s, three 689 s (the
    cores 10% idle), four 618 s against three's 661 s in the same conditions (5% idle)."""
    import os

    return (os.cpu_count() or 1) + 2


@pytest.fixture(autouse=True)
def kept_results_in_a_folder_of_the_test(tmp_path: Path, monkeypatch) -> None:
    """What the toolkit keeps between runs (models' descriptions, checksums) goes to the test's
    own folder when a test calls it in-process, never to the user's cache nor to another test's."""
    monkeypatch.setenv("ALEMBIC_STEWARD_CACHE", str(tmp_path / "steward-cache-in-process"))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A fresh copy of the fixture service (blocking engine, SQLite by default)."""
    return Project.copy_to(tmp_path / "service")


@pytest.fixture
def async_project(tmp_path: Path) -> Project:
    """A fresh copy of the fixture service using SQLAlchemy's asyncio engine."""
    return Project.copy_to(tmp_path / "service", FIXTURE_ASYNC="1")


@pytest.fixture
def server_project(tmp_path: Path) -> Project:
    """A fresh copy of the fixture service as a server bake has it: no default DATABASE_URL."""
    return Project.copy_to(tmp_path / "service", FIXTURE_SERVER_PROJECT="1")
