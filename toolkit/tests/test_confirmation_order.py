"""On a terminal, a protected downgrade lists what it will revert before it asks.

The question used to come first ("Type 'production' to downgrade:"), and the list of revisions
only once the answer was given: the user confirmed without seeing what they confirmed.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on

PRODUCTION = {"APP_ENV": "production"}
QUESTION = "Type 'production' to"


def on_a_terminal(
    project: Project, answer: str, *arguments: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run `inv ARGUMENTS` with a terminal as stdin, typing ``answer`` at its prompt."""
    controller, terminal = pty.openpty()
    try:
        os.write(controller, f"{answer}\n".encode())
        with project.popen(
            "inv",
            *arguments,
            cwd=project.path,
            env=project.environment(**env),
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as asking:
            stdout, stderr = asking.communicate(timeout=120)
        return subprocess.CompletedProcess(asking.args, asking.returncode, stdout, stderr)
    finally:
        os.close(terminal)
        os.close(controller)


def with_two_revisions(project: Project, env: dict[str, str]) -> None:
    for name, parent, table in (("r1", None, "notes"), ("r2", "r1", "tags")):
        create = f'    op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True))'
        drop = f'    op.drop_table("{table}")'
        source = revision_source(name, parent, create, drop, message=f"Add {table}")
        project.write_revision(f"{name}.py", source)
    project.inv("db.upgrade", env=env)


# The order of the list and the question is the same on every database: each of the two
# databases and each answer once.
@pytest.mark.parametrize(
    ("database", "answer"),
    [("sqlite", "no"), ("mysql", "production")],
    indirect=["database"],
    ids=["no-sqlite", "production-mysql"],
)
def test_a_protected_downgrade_lists_its_reverts_before_it_asks(
    project: Project, database: ServerDatabase, answer: str
) -> None:
    env = {"DATABASE_URL": database.url, **PRODUCTION}
    with_two_revisions(project, env)
    completed = on_a_terminal(project, answer, "db.downgrade", "-r", "base", env=env)
    shown = completed.stdout
    assert "Reverting 2 revision(s):\n  r2  Add tags\n  r1  Add notes\n" in shown, shown
    assert shown.index("Reverting 2 revision(s)") < shown.index(QUESTION)
    assert shown.count("Reverting") == 1
    if answer == "no":
        assert completed.returncode == 1 and "cancelled" in completed.stderr
        assert database.revisions() == {"r2"}
    else:
        assert completed.returncode == 0, completed.stderr
        assert database.revisions() == set()


@only_on(
    "sqlite",
    "mysql",
    why="the order of the list and the question is the same on every database",
)
def test_a_protected_redo_lists_what_it_reverts_before_it_asks(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url, **PRODUCTION}
    with_two_revisions(project, env)
    completed = on_a_terminal(project, "production", "db.redo", env=env)
    assert completed.returncode == 0, completed.stderr
    shown = completed.stdout
    assert shown.index("Reverting 1 revision(s):\n  r2  Add tags\n") < shown.index(QUESTION)
    assert "Applied r2 again." in shown
    assert database.revisions() == {"r2"}


def test_a_protected_downgrade_with_nothing_to_revert_asks_nothing(project: Project) -> None:
    completed = on_a_terminal(project, "production", "db.downgrade", env=PRODUCTION)
    assert completed.returncode == 0, completed.stderr
    assert "Nothing to revert" in completed.stdout and QUESTION not in completed.stdout


@only_on(
    "sqlite",
    "mysql",
    why="what the run would revert is compared in Python with what was confirmed, alike on"
    " every database; on MariaDB, whose DDL commits, nothing may have been reverted either",
)
def test_a_database_moved_while_the_question_waited_is_not_downgraded(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url, **PRODUCTION}
    with_two_revisions(project, env)
    controller, terminal = pty.openpty()
    try:
        asking = project.popen(
            "inv",
            "db.downgrade",
            "-r",
            "base",
            cwd=project.path,
            env=project.environment(**env),
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert asking.stdout is not None
        shown = b""
        while QUESTION.encode() not in shown:
            ready, _, _ = select.select([asking.stdout], [], [], 60)
            assert ready, shown
            read = os.read(asking.stdout.fileno(), 4096)
            assert read, shown
            shown += read
        project.inv("db.downgrade", "--yes", env=env)  # another hand moves it meanwhile
        os.write(controller, b"production\n")
        out, err = asking.communicate(timeout=120)
    finally:
        os.close(terminal)
        os.close(controller)
    assert asking.returncode == 1
    said = err.decode()
    assert "Traceback" not in said
    line = said.strip().splitlines()[-1]
    assert line.startswith("error: the database changed while you answered: it would now revert r1")
    assert database.revisions() == {"r1"}
    project.inv("db.status", code=2, env=env)  # pending, not marked half-applied
