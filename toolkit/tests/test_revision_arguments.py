"""One meaning per flag: `-r` names an existing revision, `--rev-id` a new revision's own id.

A new id that Alembic would read as something else (a keyword, a relative step, a branch form,
an id already taken) is refused before a file is written; a `-r` that is not wholly a revision
is refused before anything runs, in every task that takes one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on

CREATE_FIRST = '    op.create_table("first", sa.Column("id", sa.Integer(), primary_key=True))'
CREATE_SECOND = '    op.create_table("second", sa.Column("id", sa.Integer(), primary_key=True))'


def error_line(stderr: str) -> str:
    """The one `error:` line of ``stderr``; fails when there are more, or a traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith(("error: ", "FAILED: "))]
    assert len(lines) == 1, stderr
    return lines[0]


def two_revisions(project: Project) -> None:
    project.write_revision(
        "r1.py", revision_source("r1", None, CREATE_FIRST, '    op.drop_table("first")')
    )
    project.write_revision(
        "r2.py", revision_source("r2", "r1", CREATE_SECOND, '    op.drop_table("second")')
    )


def revision_files(project: Project) -> list[Path]:
    return sorted(project.versions.glob("*.py"))


def all_paths(project: Project) -> set[Path]:
    """Every file and folder beside and inside the copy (what an escaping path would write)."""
    return set(project.path.parent.rglob("*"))


def cache_paths(project: Project) -> set[Path]:
    """What running a command may leave: bytecode, the models' cache, the database and its lock."""
    database = project.path / "fixture_service.db"
    cached = {
        path
        for path in project.path.parent.rglob("*")
        if "__pycache__" in path.parts or "steward-cache" in path.parts
    }
    return cached | {database, Path(f"{database}-migration-lock")}


def test_db_revision_refuses_r_and_names_rev_id_instead(project: Project) -> None:
    project.add_user_model()
    completed = project.inv("db.revision", "-m", "Add users", "-r", "head", code=1)
    line = error_line(completed.stderr)
    assert "--rev-id" in line and "nothing was written" in line
    assert revision_files(project) == []


def test_rev_id_has_no_short_flag_that_means_something_else_elsewhere(project: Project) -> None:
    help_text = project.inv("--help", "db.revision").stdout
    options = [line.split()[0] for line in help_text.splitlines() if line.startswith("  -")]
    assert "--rev-id=STRING" in options
    assert "-r" in options and "-v" not in options


TAKEN_OR_READ_AS_SOMETHING_ELSE = {
    "head": "head",
    "heads": "heads",
    "base": "base",
    "current": "current",
    "upper-case keyword": "HEAD",
    "relative step": "-1",
    "relative to head": "head-1",
    "relative forward": "+2",
    "branch form": "r1@head",
    "existing id": "r1",
}


@pytest.mark.parametrize(
    "command",
    [
        ["inv", "db.revision", "--empty", "-m", "second"],
        ["inv", "db.revision", "-m", "second"],
        ["alembic", "revision", "--autogenerate", "-m", "second"],
    ],
    ids=["inv-empty", "inv-autogenerate", "alembic-autogenerate"],
)
def test_a_new_revision_id_alembic_would_read_as_something_else_writes_nothing(
    project: Project, command: list[str]
) -> None:
    project.write_revision("r1.py", revision_source("r1", None, "    pass"))
    project.inv("db.upgrade")
    project.add_user_model()  # something for autogenerate to write
    before = revision_files(project)
    for rev_id in TAKEN_OR_READ_AS_SOMETHING_ELSE.values():
        completed = project.run(*command, f"--rev-id={rev_id}")
        assert completed.returncode != 0, rev_id
        line = error_line(completed.stderr + completed.stdout)
        assert repr(rev_id) in line and "nothing was written" in line
        assert revision_files(project) == before


# Alembic makes the folders an id names and writes the file there: each would escape versions/.
NOT_A_PLAIN_NAME = {
    "parent folders": "../../escaped",
    "down and up": "x/../../../escaped",
    "sub-folder": "sub/dir",
    "absolute": "{outside}/absolute",
    "shell": "a b; touch PWNED",
}


@pytest.mark.parametrize(
    "command",
    [
        ["inv", "db.revision", "--empty", "-m", "first", "--rev-id"],
        ["inv", "db.revision", "-m", "first", "--rev-id"],
        ["alembic", "revision", "--autogenerate", "-m", "first", "--rev-id"],
    ],
    ids=["inv-empty", "inv-autogenerate", "alembic-autogenerate"],
)
def test_a_revision_id_that_is_not_a_plain_name_writes_nothing(
    project: Project, command: list[str]
) -> None:
    project.add_user_model()  # something for autogenerate to write
    before = all_paths(project)
    for rev_id in NOT_A_PLAIN_NAME.values():
        rev_id = rev_id.format(outside=project.path.parent)
        completed = project.run(*command, rev_id)
        assert completed.returncode != 0, rev_id
        line = error_line(completed.stderr + completed.stdout)
        assert f"revision id {rev_id!r} may hold only letters, digits and underscores" in line
        assert "nothing was written" in line
        assert all_paths(project) - before <= cache_paths(project), rev_id
    assert not [path for path in project.path.parent.rglob("PWNED")]


@pytest.mark.parametrize("keyword", ["head", "base"])
def test_a_revision_file_with_a_keyword_id_is_named_by_every_command(
    project: Project, keyword: str
) -> None:
    # What raw `alembic revision --rev-id base` writes: without --autogenerate, no env.py runs.
    written = project.run("alembic", "revision", "-m", "stray", "--rev-id", keyword)
    assert written.returncode == 0, written.stderr
    (path,) = revision_files(project)
    for command in (
        ["inv", "db.status"],
        ["inv", "db.upgrade"],
        ["inv", "db.history"],
        ["alembic", "upgrade", "head"],
    ):
        completed = project.run(*command)
        assert completed.returncode != 0, command
        line = error_line(completed.stderr + completed.stdout)
        assert path.name in line and repr(keyword) in line and "another id" in line


NOT_A_REVISION = {
    "trailing statement": "-1; DROP",
    "trailing text": "+1junk",
    "path": "../../etc/passwd",
    "space": "r1 r2",
    "empty branch": "@head",
    "newline": "r2\nr1",
}
TASKS_TAKING_R = [
    ["db.upgrade"],
    ["db.upgrade", "--sql"],
    ["db.downgrade"],
    ["db.downgrade", "--sql"],
    ["db.stamp"],
    ["db.plan"],
    ["db.show"],
    ["db.history"],
    ["db.lint"],
    ["db.accept-edit"],
]


@pytest.mark.parametrize("task", TASKS_TAKING_R, ids=" ".join)
def test_every_task_refuses_an_r_that_is_not_wholly_a_revision(
    project: Project, task: list[str]
) -> None:
    two_revisions(project)
    for value in NOT_A_REVISION.values():
        completed = project.inv(*task, "-r", value, code=1)
        line = error_line(completed.stderr)
        assert line.startswith(f"error: -r {value!r} is not a revision")
        assert "head-1" in line and "nothing was run" in line
        assert completed.stdout == ""
    # Refused before anything ran: not even a database file was made.
    assert not (project.path / "fixture_service.db").exists()


@only_on("sqlite", why="-r is refused before anything connects, whatever the database")
def test_a_hostile_r_changes_nothing_on_the_database(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    two_revisions(project)
    project.inv("db.upgrade", env=env)
    project.inv("db.downgrade", "-r", "-1; DROP", code=1, env=env)
    project.inv("db.upgrade", "-r", "base+1; x", code=1, env=env)
    project.inv("db.stamp", "-r", "base; x", code=1, env=env)
    assert database.revisions() == {"r2"}
    assert {"first", "second"} <= database.model_tables()


def test_python_m_migrations_refuses_an_upgrade_target_that_is_not_a_revision(
    project: Project,
) -> None:
    two_revisions(project)
    completed = project.run("python", "-m", "app.migrations", "upgrade", "+1; DROP")
    assert completed.returncode == 1
    line = error_line(completed.stderr)
    assert "REV '+1; DROP' is not a revision" in line and "inv " not in line
    assert not (project.path / "fixture_service.db").exists()


# Values a user might pass as a path or shell text: refused by the tasks that move the database,
# nothing written anywhere (an escaping path would write beside the copy).
PATH_OR_SHELL = ["../../../etc/passwd", "/tmp/x", "..", "a b; rm -rf /"]


@pytest.mark.parametrize("task", ["db.upgrade", "db.downgrade"])
def test_an_r_that_looks_like_a_path_or_shell_text_writes_nothing(
    project: Project, task: str
) -> None:
    project.inv("db.revision", "--empty", "-m", "first")
    before = all_paths(project)
    for value in PATH_OR_SHELL:
        completed = project.inv(task, "-r", value, code=1)
        line = error_line(completed.stderr)
        assert line.startswith(f"error: -r {value!r} is not a revision"), value
        assert all_paths(project) - before <= cache_paths(project), value


ACCEPTED = [
    ["db.upgrade", "-r", "+1"],
    ["db.upgrade", "-r", "r1@head"],
    ["db.downgrade", "-r", "-1"],
    ["db.upgrade", "-r", "heads"],
    ["db.show", "-r", "r2"],
    ["db.history", "-r", "base:r1"],
    ["db.upgrade", "--sql", "-r", "r1:head"],
    ["db.downgrade", "--sql", "-r", "r2:base"],
    ["db.lint", "-r", "r1:head"],
    ["db.downgrade", "-r", "base"],
    ["db.stamp", "-r", "head"],
]


def test_the_forms_alembic_documents_still_work(project: Project) -> None:
    two_revisions(project)
    for arguments in ACCEPTED:
        project.inv(*arguments)
    assert "r2 (head)" in project.inv("db.current").stdout
