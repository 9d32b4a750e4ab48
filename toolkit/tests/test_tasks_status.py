"""The read-only `db` tasks (status, current, check, plan, history, url...) through real `inv`."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from made_revisions import add_user_name, add_users, blank_revisions, branch_into_two_heads
from project import Project, created_revision

# The documented `inv db.status` exit codes.
UP_TO_DATE, PENDING, DRIFT, SEVERAL_HEADS, UNREACHABLE = 0, 2, 3, 4, 5
EDITED_REVISION, DATABASE_DIFFERS = 8, 9


def make_revision(project: Project, message: str, *flags: str) -> str:
    return created_revision(project.inv("db.revision", "-m", message, *flags).stdout)[0]


def status_json(project: Project, code: int) -> dict:
    return json.loads(project.inv("db.status", "--json", code=code).stdout)


def test_status_of_a_fresh_project_with_models_reports_drift(project: Project) -> None:
    project.add_user_model()
    document = status_json(project, DRIFT)
    assert document["current"] == [] and document["heads"] == []
    assert document["drift"] == ["table users is in the models but not in the migrations"]


def test_status_lists_pending_revisions_then_up_to_date_after_upgrade(
    project: Project,
) -> None:
    first = add_users(project)
    pending = status_json(project, PENDING)
    assert pending["revisions"] == [
        {"revision": first, "message": "Initial migration", "applied": False, "is_head": True}
    ]
    assert pending["current"] == [] and pending["heads"] == [first]

    project.inv("db.upgrade")
    done = status_json(project, UP_TO_DATE)
    assert done["current"] == [first] and done["drift"] == []
    assert done["revisions"][0]["applied"] is True
    table = project.inv("db.status").stdout
    assert re.search(rf"\[applied\]\s+{first} \(head\)\s+Initial migration", table)
    assert "status:  up to date" in table


def test_status_reports_a_model_changed_after_the_last_revision(project: Project) -> None:
    add_users(project)
    project.inv("db.upgrade")
    project.add_user_name_column()
    line = "column users.name is in the models but not in the migrations"
    assert status_json(project, DRIFT)["drift"] == [line]
    assert line in project.inv("db.status", code=DRIFT).stdout


def test_status_reports_several_heads(project: Project) -> None:
    left, right = branch_into_two_heads(project)
    assert sorted(status_json(project, SEVERAL_HEADS)["heads"]) == sorted([left, right])
    assert "inv db.merge" in project.inv("db.status", code=SEVERAL_HEADS).stdout


def test_status_of_an_unreachable_database_fails_in_one_line(project: Project) -> None:
    url = "sqlite:////nonexistent-folder/app.db"
    completed = project.inv("db.status", code=UNREACHABLE, env={"DATABASE_URL": url})
    assert completed.stderr.startswith("error: cannot reach the database")
    assert len(completed.stderr.splitlines()) == 1


def test_current_check_exits_non_zero_until_the_database_is_at_head(
    project: Project,
) -> None:
    first = add_users(project)
    behind = project.inv("db.current", "--check", code=1)
    assert "not at head" in behind.stderr and "inv db.upgrade" in behind.stderr
    project.inv("db.upgrade")
    assert project.inv("db.current", "--check").stdout.strip() == f"{first} (head)"


def test_check_lists_differences_and_fails_only_when_the_models_changed(
    project: Project,
) -> None:
    add_users(project)
    project.inv("db.upgrade")
    assert "No changes" in project.inv("db.check").stdout
    project.add_user_name_column()
    checked = project.inv("db.check", code=DRIFT).stdout
    assert "column users.name is in the models but not in the migrations" in checked


def test_check_exits_with_the_code_status_gives_the_same_finding(project: Project) -> None:
    """CI branching on `db.check` tells the findings apart as on `db.status`, never a bare 1."""
    from test_accepting_edits import add_to_upgrade

    def same_code(code: int, **env: str) -> None:
        status = project.run("inv", "db.status", env=env).returncode
        check = project.run("inv", "db.check", env=env)
        assert (status, check.returncode) == (code, code), check.stdout + check.stderr
        assert check.stderr.count("error: ") <= 1 and "Traceback" not in check.stderr

    first = add_users(project)
    same_code(PENDING)
    project.inv("db.upgrade")
    same_code(UP_TO_DATE)
    project.add_user_name_column()
    same_code(DRIFT)
    same_code(UNREACHABLE, DATABASE_URL="sqlite:////nonexistent-folder/app.db")
    (path,) = [path for path in project.versions.glob("*.py") if first in path.read_text()]
    # An edit that changes no schema: accept-edit refuses one the database lacks.
    add_to_upgrade(path, 'op.execute("SELECT 1")')
    same_code(EDITED_REVISION)
    project.inv("db.accept-edit", "-r", first)
    with sqlite3.connect(project.path / "fixture_service.db") as connection:
        connection.execute("CREATE TABLE by_hand (id INTEGER PRIMARY KEY)")
    same_code(DATABASE_DIFFERS)
    branch_into_two_heads(project)
    same_code(SEVERAL_HEADS)


def test_check_does_not_count_the_environment_record_as_drift(project: Project) -> None:
    add_users(project)
    project.inv("db.upgrade", env={"APP_ENV": "staging"})
    assert "No changes" in project.inv("db.check").stdout
    nothing = project.inv("db.revision", "-m", "Nothing")
    assert "No changes detected" in nothing.stdout
    # Said once, by the task: not again in Alembic's log as raw `alembic revision` has it.
    assert "No changes" not in nothing.stderr
    raw = project.run("alembic", "revision", "--autogenerate", "-m", "Nothing")
    assert raw.returncode == 0 and "No changes in the models" in raw.stderr


def test_plan_prints_sql_from_the_actual_revision_without_applying_it(
    project: Project,
) -> None:
    first = add_users(project)
    project.inv("db.upgrade")
    second = add_user_name(project)

    sql = project.inv("db.plan").stdout
    assert f"upgrade {first}:{second}" in sql
    assert "ALTER TABLE users ADD COLUMN name VARCHAR(100)" in sql
    assert "CREATE TABLE users" not in sql
    assert status_json(project, PENDING)["current"] == [first]

    back = project.inv("db.plan", "-r", "base").stdout
    assert f"downgrade {first}:base" in back and "DROP TABLE users" in back


def test_plan_at_the_target_says_there_is_nothing_to_run(project: Project) -> None:
    blank_revisions()[0].copy_to(project)
    project.inv("db.upgrade")
    assert "Nothing to run" in project.inv("db.plan").stdout


def test_plan_to_an_unknown_revision_fails_in_one_line(project: Project) -> None:
    completed = project.inv("db.plan", "-r", "deadbeef0000", code=1)
    assert completed.stderr.startswith("error: ") and "deadbeef0000" in completed.stderr


def test_heads_history_and_show_describe_the_revisions(project: Project) -> None:
    first = make_revision(project, "First step", "--empty")
    second = make_revision(project, "Second step", "--empty")
    assert project.inv("db.heads").stdout.strip() == f"{second} (head)"
    history = project.inv("db.history").stdout.splitlines()
    assert history == [f"{first} -> {second} (head), Second step", f"<base> -> {first}, First step"]
    assert "Path:" in project.inv("db.history", "--verbose").stdout
    assert project.inv("db.history", "-r", f"base:{first}").stdout.count("->") == 1
    shown = project.inv("db.show", "-r", first).stdout
    assert f"Rev: {first}" in shown and "First step" in shown


def test_url_shows_the_source_and_hides_the_password(project: Project) -> None:
    assert "(from default)" in project.inv("db.url").stdout
    url = "postgresql://app:Sup3r-Secret@db.example:5432/app"
    shown = project.inv("db.url", env={"DATABASE_URL": url}).stdout
    assert shown.strip() == "postgresql://app:***@db.example:5432/app  (from environment)"
    (project.path / ".env").write_text("DATABASE_URL=sqlite:///local.db\n")
    assert "(from .env)" in project.inv("db.url").stdout


@pytest.mark.parametrize(
    "task", ["db.status", "db.current", "db.plan", "db.check", "db.upgrade", "db.stamp -r head"]
)
def test_a_failing_task_never_prints_the_password(project: Project, task: str) -> None:
    url = "sqlite://app:Sup3r-Secret@/nonexistent-folder/app.db"
    completed = project.inv(*task.split(), code=1, env={"DATABASE_URL": url})
    assert completed.stderr.startswith("error: ") and len(completed.stderr.splitlines()) == 1
    assert "app:***@" in completed.stderr
    assert "Sup3r-Secret" not in completed.stdout + completed.stderr


def test_bash_completion_completes_db_task_names(project: Project) -> None:
    assert "complete" in project.inv("--print-completion-script", "bash").stdout
    assert "db.status" in project.inv("--complete", "--", "inv", "db.").stdout


def test_alembic_says_which_migrations_run_without_its_context_chatter(project: Project) -> None:
    add_users(project)
    upgraded = project.inv("db.upgrade")
    assert "Running upgrade" in upgraded.stderr
    assert "Context impl" not in upgraded.stderr and "Will assume" not in upgraded.stderr


def test_status_lists_many_database_differences_one_a_line(project: Project) -> None:
    add_users(project)
    project.inv("db.upgrade")
    added = [f"hand_{number}" for number in range(6)]
    with sqlite3.connect(project.path / "fixture_service.db") as connection:
        for column in added:
            connection.execute(f"ALTER TABLE users ADD COLUMN {column} VARCHAR(10)")

    shown = project.inv("db.status", code=DATABASE_DIFFERS).stdout.splitlines()
    start = shown.index("database: against its revision rebuilt: 6 differences")
    listed = shown[start + 1 : start + 7]
    assert listed == [
        f"  column users.{column} is in the database but not in what its revision builds"
        for column in added
    ]
    document = status_json(project, DATABASE_DIFFERS)
    assert len(document["database_differences"]) == len(added)
