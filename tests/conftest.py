"""Fixtures shared by the template tests: baked projects, and one installed as a user would."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from baked_project import BakedProject
from toolkit_build import build_toolkit_wheel, wheel_requirement

# A cookiecutter user config whose default answers make every bake of this run, through
# pytest-cookies or the cookiecutter command, depend on this checkout's toolkit wheel.
CONFIG_VARIABLE = "COOKIECUTTER_CONFIG"
WHEEL_FOLDER = pytest.StashKey[Path]()

# The safety tests' database fixtures (tests/servers.py).
pytest_plugins = ["servers"]


def pytest_configure(config: pytest.Config) -> None:
    """Build the toolkit's wheel once per run, before pytest-xdist starts its workers."""
    if config.pluginmanager.hasplugin("xdist") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(GroupsReachTheScheduler(), "groups-reach-the-scheduler")
    if hasattr(config, "workerinput") or os.environ.get(CONFIG_VARIABLE):
        return  # a worker inherits the controller's variable
    folder = Path(tempfile.mkdtemp(prefix="template-tests-"))
    requirement = wheel_requirement(build_toolkit_wheel(folder / "dist"))
    settings = {
        "cookiecutters_dir": str(folder / "cookiecutters"),
        "replay_dir": str(folder / "replay"),
        "default_context": {"toolkit_requirement": requirement},
    }
    config_file = folder / "cookiecutter.yaml"
    config_file.write_text(yaml.safe_dump(settings))
    os.environ[CONFIG_VARIABLE] = str(config_file)
    config.stash[WHEEL_FOLDER] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(WHEEL_FOLDER, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def _cookiecutter_config_file() -> Path:
    """pytest-cookies' bakes read the run's config (see pytest_configure)."""
    return Path(os.environ[CONFIG_VARIABLE])


@pytest.fixture(scope="session")
def default_bake(cookies_session) -> Path:
    """The project baked with every default, shared read-only by the tests."""
    result = cookies_session.bake()
    assert result.exit_code == 0, result.exception
    return Path(result.project_path)


def install_default_bake(cookies_session, *extra_packages: str) -> BakedProject:
    """Bake the defaults, install them with `pip install -e .[dev]` plus ``extra_packages``,
    and snapshot the result, so each test can return to the fresh bake without reinstalling."""
    result = cookies_session.bake()
    assert result.exit_code == 0, result.exception
    return BakedProject.installed_snapshot(Path(result.project_path), *extra_packages)


@pytest.fixture(scope="session")
def installed_project(cookies_session) -> BakedProject:
    """A default bake installed into its own virtualenv with `pip install -e .[dev]`."""
    return install_default_bake(cookies_session)


# About how long each xdist group takes on one worker of a 2-core run (seconds; measured
# 2026-12-07 with --junitxml on a loaded machine and scaled down: only their order matters).
# xdist hands the groups out in collection order (`--no-loadscope-reorder`), so they are
# collected longest first: the short ones come last and fill in whichever worker frees up
# first, instead of one worker starting a long group while the other sits idle at the end.
# A group missing here only runs later, after the listed ones; nothing fails.
GROUP_SECONDS = {
    "test_toolkit_source": 54,
    "test_workflow": 43,
    "test_readme_examples": 30,
    "matrix-postgresql": 29,
    "matrix-mysql": 29,
    "test_benchmark_script": 28,
    "test_wheel": 27,
    "test_walkthrough": 26,
    "test_cruft": 23,
    "postgresql-from-last-commit-before-toolkit": 23,
    "sqlite-from-oldest-project-folder": 20,
    "matrix-sqlite": 16,
    "test_hostile_input": 15,
    "test_installs": 15,
    "test_lowest_python": 17,
    "test_hooks": 10,
    "test_backfill_example": 9,
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each test module on one pytest-xdist worker unless its tests name a group, and
    collect the groups longest first (GROUP_SECONDS).

    `--dist loadgroup` with every module as its own group is `--dist loadfile`, except that a
    module may split itself into groups (the matrix: one per database), so each module still
    installs its baked project once per worker.
    """
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    position = {id(item): index for index, item in enumerate(items)}
    first_seen: dict[str, int] = {}
    for item in items:
        first_seen.setdefault(group_of(item), position[id(item)])

    def longest_first(item: pytest.Item) -> tuple[float, int, int]:
        group = group_of(item)
        return (-GROUP_SECONDS.get(group, 0), first_seen[group], position[id(item)])

    items.sort(key=longest_first)


def group_of(item: pytest.Item) -> str:
    """The group xdist's loadgroup gives ``item``, named as xdist names it (xdist/remote.py)."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names))


class GroupsReachTheScheduler:
    """Stop the run when pytest-xdist's groups have no effect, instead of running slowly.

    xdist tells its scheduler a test's group by appending "@group" to the node id, which
    pytest 9.2 no longer lets a plugin change (pytest-dev/pytest-xdist#1386): every module would
    then install its bake once per worker, minutes more, with nothing failing.
    """

    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        if node.config.getvalue("dist") == "loadgroup" and ids and not any("@" in i for i in ids):
            raise pytest.UsageError(
                "pytest-xdist's --dist loadgroup has no effect with this pytest"
                " (pytest-dev/pytest-xdist#1386); install the versions pyproject.toml pins"
            )


@pytest.fixture
def project(installed_project: BakedProject) -> Iterator[BakedProject]:
    """The installed project, reset to the fresh bake: no revisions, no database."""
    yield installed_project
    installed_project.restore_snapshot()
