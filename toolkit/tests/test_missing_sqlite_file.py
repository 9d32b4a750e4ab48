"""A SQLite file DATABASE_URL names that does not exist: the tasks that only read the database
refuse in one line naming it, or read it as having nothing applied, and never create it
(connecting would: SQLite makes a missing file on connect)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from project import Project, one_error_line, revision_source

CREATE_ITEMS = '    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True))'
DROP_ITEMS = '    op.drop_table("items")'


@pytest.fixture(params=["sync", "async"])
def service(request, tmp_path: Path) -> Project:
    """A service with one revision, whose DATABASE_URL names a file in an existing folder."""
    env = {"FIXTURE_ASYNC": "1"} if request.param == "async" else {}
    project = Project.copy_to(tmp_path / "service", **env)
    project.write_revision("a1_items.py", revision_source("a1", None, CREATE_ITEMS, DROP_ITEMS))
    (tmp_path / "data").mkdir()
    project.env["DATABASE_URL"] = f"sqlite:///{missing(project).as_posix()}"
    return project


def missing(project: Project) -> Path:
    return project.path.parent / "data" / "app.db"


def assert_nothing_created(project: Project) -> None:
    assert sorted(path.name for path in missing(project).parent.iterdir()) == []


def test_baseline_refuses_a_missing_file_by_name_and_creates_nothing(service: Project) -> None:
    completed = service.run("inv", "db.baseline")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    line = one_error_line(completed.stderr)
    assert f"the SQLite database file {missing(service)} that DATABASE_URL names does not" in line
    assert "nothing to adopt" in line and "nothing was stamped" in line, line
    assert "`inv db.url`" in line, line
    assert_nothing_created(service)


@pytest.mark.parametrize(
    ("task", "code", "said"),
    [
        (("db.status",), 2, "pending migrations: run `inv db.upgrade`"),
        (("db.check",), 2, "the database is not at head"),
        (("db.current",), 0, "None: the database has no migration applied."),
        (("db.current", "--check"), 1, "the database is not at head; run `inv db.upgrade`"),
    ],
    ids=["status", "check", "current", "current-check"],
)
def test_read_only_tasks_read_a_missing_file_as_empty_say_so_and_create_nothing(
    service: Project, task: tuple[str, ...], code: int, said: str
) -> None:
    # A fresh clone's first `inv db.status`: what it says is true of the file, made by nobody.
    completed = service.run("inv", *task)
    output = completed.stdout + completed.stderr
    assert completed.returncode == code, output
    assert "Traceback" not in output
    assert said in output, output
    note = one_error_line(completed.stderr, prefix="note: ")
    assert f"the SQLite database file {missing(service)} that DATABASE_URL names does not" in note
    assert "so it was read as an empty database, and not created" in note, note
    assert_nothing_created(service)


def test_status_json_reads_a_missing_file_as_empty_and_creates_nothing(service: Project) -> None:
    completed = service.run("inv", "db.status", "--json")
    assert completed.returncode == 2, completed.stdout + completed.stderr
    document = json.loads(completed.stdout)
    assert document["current"] == [] and document["exit_code"] == 2
    assert_nothing_created(service)


def test_the_start_up_guard_reads_a_missing_file_as_behind_and_creates_nothing(
    service: Project,
) -> None:
    completed = service.run("python", "-c", "import app; app.start_service()")
    assert completed.returncode == 1
    assert "the database has no migration applied, behind" in completed.stderr, completed.stderr
    assert_nothing_created(service)


@pytest.mark.parametrize(
    "task",
    [
        ("db.schema", "--check"),
        ("db.lint",),
        ("db.backfill", "status", "all"),
        ("db.plan",),
        ("db.wait", "--head", "--timeout", "0"),
    ],
    ids=["schema-check", "lint", "backfill-status", "plan", "wait"],
)
def test_other_reading_tasks_leave_no_file_behind(service: Project, task: tuple[str, ...]) -> None:
    completed = service.run("inv", *task)
    assert "Traceback" not in completed.stderr, completed.stderr
    assert_nothing_created(service)


def test_lint_reads_a_missing_file_as_nothing_applied(service: Project) -> None:
    # Pre-commit lints a fresh clone, whose database was never made: every revision is linted.
    completed = service.run("inv", "db.lint")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "No findings in 1 revision(s)." in completed.stdout, completed.stdout
    assert_nothing_created(service)


def test_the_deploy_entry_points_current_refuses_a_missing_file_and_creates_nothing(
    service: Project,
) -> None:
    completed = service.run("python", "-m", "app.migrations", "current")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    line = one_error_line(completed.stderr)
    assert f"error: current failed: the SQLite database file {missing(service)}" in line, line
    assert "`python -m app.migrations upgrade` creates it" in line, line
    assert_nothing_created(service)
