"""The revision/upgrade/downgrade workflow works the same on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from project import Project, created_revision
from servers import ServerDatabase


def succeed(project: Project, database: ServerDatabase, *command: str) -> str:
    completed = project.run(*command, env={"DATABASE_URL": database.url})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_workflow_autogenerates_upgrades_and_downgrades_on_every_database(
    project: Project, database: ServerDatabase
) -> None:
    project.add_user_model()
    first, _ = created_revision(succeed(project, database, "inv", "db.revision", "-m", "Add users"))
    succeed(project, database, "inv", "db.upgrade")
    assert database.revisions() == {first}
    assert database.columns("users") == {"id", "email"}

    project.add_user_name_column()
    second, _ = created_revision(
        succeed(project, database, "inv", "db.revision", "-m", "Add user name")
    )
    succeed(project, database, "alembic", "upgrade", "head")
    assert database.revisions() == {second}
    assert database.columns("users") == {"id", "email", "name"}
    nothing = succeed(project, database, "inv", "db.revision", "-m", "Nothing")
    assert "No changes detected" in nothing

    succeed(project, database, "inv", "db.downgrade")
    assert database.revisions() == {first}
    assert database.columns("users") == {"id", "email"}
    succeed(project, database, "inv", "db.downgrade", "-r", "base")
    assert database.revisions() == set()
    assert "users" not in database.tables()
