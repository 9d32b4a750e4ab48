"""The `db` tasks that change revisions or the database, and the protected-environment guard."""

from __future__ import annotations

import os
import pty
import sqlite3
import subprocess
from pathlib import Path

import pytest
from made_revisions import add_user_name, add_users, branch_into_two_heads
from project import Project, created_revision

DESTRUCTIVE_TASKS = [["db.downgrade"], ["db.reset"], ["db.stamp", "-r", "base"], ["db.redo"]]


def migrated_twice(project: Project, env: dict[str, str] | None = None) -> tuple[str, str]:
    """Give the project two revisions (users, then users.name) and apply both."""
    first, second = add_users(project), add_user_name(project)
    project.inv("db.upgrade", env=env)
    return first, second


def database(project: Project) -> Path:
    """The SQLite file the fixture service uses when DATABASE_URL is unset."""
    return project.path / "fixture_service.db"


def applied(project: Project) -> set[str]:
    if "alembic_version" not in tables(project):
        return set()
    with sqlite3.connect(database(project)) as connection:
        return {row[0] for row in connection.execute("SELECT version_num FROM alembic_version")}


def tables(project: Project) -> set[str]:
    with sqlite3.connect(database(project)) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}


def test_revision_warns_about_each_destructive_operation(project: Project) -> None:
    add_users(project)
    project.inv("db.upgrade")
    models = project.path / "app/models.py"
    source = models.read_text().replace("String(255)", "Text")
    models.write_text(source.replace("MetaData, String", "MetaData, String, Text"))
    output = project.inv("db.revision", "-m", "Widen email").stdout
    assert "changing-column-type" in output
    assert "changes the type of users.email to TEXT" in output


def test_revision_warns_when_a_table_is_dropped(project: Project) -> None:
    models = project.path / "app/models.py"
    original = models.read_text()
    add_users(project)
    project.inv("db.upgrade")
    models.write_text(original)
    output = project.inv("db.revision", "-m", "Drop users").stdout
    assert "ban-drop-table" in output and "drops table users" in output


def test_revision_and_upgrade_refuse_several_heads_and_merge_joins_them(
    project: Project,
) -> None:
    branch_into_two_heads(project)
    refused = project.inv("db.revision", "-m", "Third", "--empty", code=1).stderr
    assert "the history has several heads (" in refused and "inv db.merge" in refused
    assert "inv db.merge" in project.inv("db.upgrade", code=1).stderr

    merge_revision = created_revision(project.inv("db.merge", "-m", "Merge heads").stdout)[0]
    assert project.inv("db.heads").stdout.startswith(merge_revision)
    assert "nothing to merge" in project.inv("db.merge", "-m", "Again", code=1).stderr


def test_upgrade_and_downgrade_print_sql_without_touching_the_database(
    project: Project,
) -> None:
    first = add_users(project)
    assert "CREATE TABLE users" in project.inv("db.upgrade", "--sql").stdout
    assert "users" not in tables(project) and applied(project) == set()
    assert "DROP TABLE users" in project.inv("db.downgrade", "--sql", "-r", f"{first}:base").stdout
    error = project.inv("db.downgrade", "--sql", code=1).stderr
    assert "requires <fromrev>:<torev>" in error and "inv db.plan" in error


def test_downgrade_lists_the_revisions_it_reverts(project: Project) -> None:
    first, second = migrated_twice(project)
    output = project.inv("db.downgrade", "-r", "base").stdout
    assert output.splitlines() == [
        "Reverting 2 revision(s):",
        f"  {second}  Add user name",
        f"  {first}  Initial migration",
    ]
    assert applied(project) == set()
    assert "Nothing to revert" in project.inv("db.downgrade", "-r", "base").stdout


def test_redo_reverts_and_reapplies_the_last_migration(project: Project) -> None:
    _, second = migrated_twice(project)
    output = project.inv("db.redo").stdout
    assert f"  {second}  Add user name" in output and f"Applied {second} again." in output
    assert applied(project) == {second}


def test_stamp_records_a_revision_without_running_it(project: Project) -> None:
    first = add_users(project)
    project.inv("db.stamp", "-r", first)
    assert applied(project) == {first}
    assert "users" not in tables(project)


def test_reset_drops_every_table_and_migrates_again(project: Project) -> None:
    _, second = migrated_twice(project)
    with sqlite3.connect(database(project)) as connection:
        connection.execute("INSERT INTO users (email) VALUES ('a@example.com')")
        connection.execute("CREATE TABLE leftover (id INTEGER)")
    output = project.inv("db.reset").stdout
    dropped = (
        "alembic_revision_checksums, alembic_revision_phases,"
        " alembic_revision_upgrade_checksums, alembic_version, leftover, users"
    )
    assert f"Dropped 6 table(s): {dropped}." in output
    assert applied(project) == {second} and "leftover" not in tables(project)
    with sqlite3.connect(database(project)) as connection:
        assert connection.execute("SELECT count(*) FROM users").fetchone() == (0,)


@pytest.mark.parametrize("task", DESTRUCTIVE_TASKS, ids=lambda task: task[0])
def test_destructive_tasks_refuse_a_protected_app_env_unless_told_yes(
    project: Project, task: list[str]
) -> None:
    _, second = migrated_twice(project)
    refused = project.inv(*task, code=1, env={"APP_ENV": "production"}).stderr
    assert refused.startswith("error: refusing to") and "--yes" in refused
    assert applied(project) == {second}
    project.inv(*task, "--yes", env={"APP_ENV": "production"})


@pytest.mark.parametrize("task", DESTRUCTIVE_TASKS, ids=lambda task: task[0])
def test_the_environment_recorded_at_first_migration_protects_without_app_env(
    project: Project, task: list[str]
) -> None:
    _, second = migrated_twice(project, env={"APP_ENV": "production"})
    refused = project.inv(*task, code=1).stderr
    assert "refusing to" in refused and "production database" in refused
    assert applied(project) == {second}


def test_a_later_upgrade_never_overwrites_the_recorded_environment(
    project: Project,
) -> None:
    migrated_twice(project, env={"APP_ENV": "production"})
    project.inv("db.downgrade", "--yes")
    project.inv("db.upgrade", env={"APP_ENV": "development"})
    with sqlite3.connect(database(project)) as connection:
        recorded = connection.execute("SELECT environment FROM alembic_environment").fetchall()
    assert recorded == [("production",)]


def test_raw_alembic_upgrade_records_the_environment_too(project: Project) -> None:
    add_users(project)
    completed = project.run("alembic", "upgrade", "head", env={"APP_ENV": "production"})
    assert completed.returncode == 0, completed.stderr
    assert "refusing to" in project.inv("db.downgrade", code=1).stderr


def test_protected_environments_come_from_invoke_yaml(project: Project) -> None:
    migrated_twice(project, env={"APP_ENV": "staging"})
    # A list in invoke.yaml protects exactly its names, in place of the default rule.
    (project.path / "invoke.yaml").write_text("db:\n  protected_environments: [production]\n")
    project.inv("db.redo")
    (project.path / "invoke.yaml").write_text("db:\n  protected_environments: [staging, qa]\n")
    assert "staging database" in project.inv("db.redo", code=1).stderr


def test_protected_environments_come_from_the_environment(project: Project) -> None:
    migrated_twice(project, env={"APP_ENV": "staging"})
    env = {"INVOKE_DB_PROTECTED_ENVIRONMENTS": "qa,staging"}
    assert "staging database" in project.inv("db.redo", code=1, env=env).stderr
    # An empty list is refused, not read as "protect nothing" (test_failures_protection.py).
    emptied = {"APP_ENV": "production", "INVOKE_DB_PROTECTED_ENVIRONMENTS": ""}
    assert "list is empty" in project.inv("db.redo", code=1, env=emptied).stderr


def answer_on_a_terminal(
    project: Project, answer: str, *arguments: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run `inv ARGUMENTS` with a terminal as stdin, typing ``answer`` at its prompt."""
    controller, terminal = pty.openpty()
    try:
        os.write(controller, f"{answer}\n".encode())
        return subprocess.run(
            [project.executable("inv"), *arguments],
            cwd=project.path,
            env=project.environment(**env),
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(terminal)
        os.close(controller)


def test_on_a_terminal_a_protected_task_asks_for_the_environment_name(
    project: Project,
) -> None:
    first, second = migrated_twice(project)
    production = {"APP_ENV": "production"}
    declined = answer_on_a_terminal(project, "yes", "db.downgrade", env=production)
    assert declined.returncode == 1 and "cancelled" in declined.stderr
    assert "Type 'production' to downgrade" in declined.stdout
    assert applied(project) == {second}

    confirmed = answer_on_a_terminal(project, "production", "db.downgrade", env=production)
    assert confirmed.returncode == 0, confirmed.stderr
    assert applied(project) == {first}
