"""`rollback-check REF` answers, before a rollback, whether the code of REF can run here.

A git fixture with three tagged releases of one service: v1 (users with a name column), v2
(adds users.nickname: expand), v3 (drops users.name: contract); the checkout is at v3.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from made_revisions import phased_revisions
from project import Project, git, one_error_line
from servers import ServerDatabase, only_on


@pytest.fixture
def releases(project: Project) -> list[str]:
    """Tag v1, v2 and v3 in a repository of ``project``; return the three revision ids."""
    git(project, "init", "-q")
    ids = []
    for version, made in enumerate(phased_revisions(), start=1):
        ids.append(made.copy_to(project))
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", f"Release {version}")
        git(project, "tag", f"v{version}")
    return ids


def check(project: Project, ref: str, url: str, command: str = "inv") -> tuple[int, str]:
    argv = (
        ("inv", "db.rollback-check", "--ref", ref)
        if command == "inv"
        else ("python", "-m", "app.migrations", "rollback-check", ref)
    )
    completed = project.run(*argv, env={"DATABASE_URL": url})
    assert "Traceback" not in completed.stderr
    lines = (completed.stdout + completed.stderr).strip().splitlines()
    return completed.returncode, lines[-1]


@only_on(
    "sqlite", "mysql", why="the phases are read alike everywhere; MySQL/MariaDB's mark besides"
)
def test_a_rollback_past_expand_revisions_only_is_allowed_and_past_a_contract_one_is_not(
    project: Project, releases: list[str], database: ServerDatabase
) -> None:
    _, expand, contract = releases
    url = database.url
    project.inv("db.upgrade", "--phase", "expand", env={"DATABASE_URL": url})
    code, line = check(project, "v1", url)
    assert code == 0 and f"yes: the database is ahead of v1 by expand revision(s) {expand}" in line
    assert check(project, "v2", url, "module") == (
        0,
        f"yes: the database is at {expand}, the head of v2",
    )
    project.inv("db.upgrade", env={"DATABASE_URL": url})
    for ref in ("v1", "v2"):
        for command in ("inv", "module"):
            code, line = check(project, ref, url, command)
            assert code == 1
            assert f"no: contract revision(s) {contract} ran here and are not in {ref}" in line
    assert check(project, "v3", url)[0] == 0


def test_an_installed_release_or_a_wheel_is_read_like_a_ref(
    project: Project, releases: list[str], tmp_path: Path
) -> None:
    contract = releases[2]
    url = f"sqlite:///{tmp_path}/rolled.db"
    project.inv("db.upgrade", env={"DATABASE_URL": url})
    installed = tmp_path / "v1-site"
    git(project, "worktree", "add", "-q", str(tmp_path / "v1-checkout"), "v1")
    shutil.copytree(tmp_path / "v1-checkout" / "app", installed / "app")
    wheel = tmp_path / "service-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for file in (installed / "app").rglob("*.py"):
            archive.write(file, file.relative_to(installed).as_posix())
    for release in (installed, wheel):
        code, line = check(project, str(release), url, "module")
        assert code == 1 and f"contract revision(s) {contract} ran here" in line


def test_a_ref_that_does_not_exist_is_one_line_and_exit_2(
    project: Project, releases: list[str]
) -> None:
    completed = project.run("inv", "db.rollback-check", "--ref", "v9")
    assert completed.returncode == 2
    line = one_error_line(completed.stderr)
    assert "'v9' is neither a path nor a commit, tag or branch" in line


def test_a_database_behind_the_release_is_a_no(project: Project, releases: list[str]) -> None:
    git(project, "checkout", "-q", "v1")
    project.inv("db.upgrade")
    code, line = check(project, "v3", f"sqlite:///{project.path / 'fixture_service.db'}")
    assert code == 1 and f"behind the head of v3 ({releases[2]})" in line
