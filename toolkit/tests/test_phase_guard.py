"""The start-up guard of an older release accepts a database ahead by expand revisions only.

Three releases of one service: v1 has the users table with a name column; v2 adds
users.nickname (expand); v3 drops users.name (contract).
"""

from __future__ import annotations

from made_revisions import phased_revisions
from project import Project
from servers import ServerDatabase, only_on
from test_startup_guard import refusal, start_service


def release(project: Project, version: int) -> list[str]:
    """Make ``project``'s versions/ hold release ``version``'s revision files; return their ids."""
    for file in project.versions.glob("*.py"):
        file.unlink()
    return [made.copy_to(project) for made in phased_revisions()[:version]]


@only_on("sqlite", "mysql", why="the guard reads the phases alike; MySQL/MariaDB's mark besides")
def test_an_older_release_starts_on_a_database_ahead_by_expand_revisions_only(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    _, expand, contract = release(project, 3)
    project.inv("db.upgrade", "--phase", "expand", env=env)  # v3's migration job, first phase
    release(project, 1)
    started = start_service(project, database.url)
    assert started.returncode == 0, started.stderr
    assert started.stdout == "started\n"
    assert f"ahead of this code by expand revision(s) {expand} only" in started.stderr
    assert len(started.stderr.strip().splitlines()) == 1
    release(project, 3)
    project.inv("db.upgrade", "--phase", "contract", env=env)
    for version in (1, 2):
        release(project, version)
        message = refusal(start_service(project, database.url))
        assert f"ahead of this code by contract revision(s) {contract}," in message


def test_a_database_behind_is_still_refused_when_only_expand_revisions_are_pending(
    project: Project,
) -> None:
    release(project, 1)
    project.inv("db.upgrade")
    _, expand = release(project, 2)
    message = refusal(start_service(project, f"sqlite:///{project.path / 'fixture_service.db'}"))
    assert "behind this code's head" in message and expand in message


@only_on("sqlite", "mysql", why="the guard reads the phases alike; MySQL/MariaDB's mark besides")
def test_the_new_release_starts_between_its_expand_and_its_contract_step(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    _, _expand, contract = release(project, 3)
    project.inv("db.upgrade", "--phase", "expand", env=env)  # the migration job's first step
    # The rollout comes before the contract step: v3's own pods must start now.
    started = start_service(project, database.url)
    assert started.returncode == 0, started.stderr
    assert f"behind this code by contract revision(s) {contract} only" in started.stderr
    project.inv("db.upgrade", "--phase", "contract", env=env)
    assert start_service(project, database.url).stderr == ""
