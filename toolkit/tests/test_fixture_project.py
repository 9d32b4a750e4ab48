"""The fixture service walks the workflow: the harness the other toolkit tests stand on."""

from __future__ import annotations

from project import Project, created_revision
from servers import ServerDatabase


def test_fixture_service_autogenerates_upgrades_and_downgrades(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    project.add_user_model()
    revision, _ = created_revision(project.inv("db.revision", "-m", "users", env=env).stdout)
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {revision}
    assert database.columns("users") == {"id", "email"}
    project.inv("db.downgrade", env=env)
    assert database.revisions() == set()


def test_fixture_service_runs_the_migration_checks_the_plugin_carries(project: Project) -> None:
    project.add_user_model()
    project.inv("db.revision", "-m", "users")
    completed = project.run("pytest", "-q", "-p", "no:cacheprovider")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "10 passed" in completed.stdout


def test_async_fixture_service_migrates_through_its_asyncio_engine(async_project: Project) -> None:
    async_project.add_user_model()
    async_project.inv("db.revision", "-m", "users")
    async_project.inv("db.upgrade")
    assert "(head)" in async_project.inv("db.current").stdout
