"""An asyncio service's migration that cancels its own task fails in one line, as any failure
does: not a CancelledError traceback, and with the state read from the database after it."""

from __future__ import annotations

import pytest
from failures import write_revision
from project import Project
from servers import ServerDatabase
from test_interrupts import COMMANDS, plain_url

# The migration's own code cancels the task running it; its next statement's await is where
# the CancelledError lands.
CANCELS_ITS_TASK = (
    "    import asyncio\n\n"
    "    asyncio.current_task().cancel()\n"
    "    op.execute('CREATE TABLE cancelled_here (id INTEGER)')"
)


# Both runners on MariaDB, whose DDL commits, so each must say what the statement left; on SQLite
# and PostgreSQL, which roll it back whatever ran the migration, one runner each.
@pytest.mark.parametrize(
    ("database", "runner"),
    [("sqlite", "inv"), ("postgresql", "deploy"), ("mysql", "deploy"), ("mysql", "inv")],
    indirect=["database"],
    ids=["sqlite-inv", "postgresql-deploy", "mysql-deploy", "mysql-inv"],
)
def test_a_migration_that_cancels_its_own_task_fails_in_one_line_with_the_state(
    async_project: Project, database: ServerDatabase, runner: str
) -> None:
    write_revision(async_project, "first", None, "    pass")
    write_revision(async_project, "cancels", "first", CANCELS_ITS_TASK)
    done = async_project.run(*COMMANDS[runner], env={"DATABASE_URL": plain_url(database)})
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "CancelledError\n" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    said = " ".join(lines)
    assert "migration cancels" in said, said
    assert "cancelled by code the migration ran (asyncio.CancelledError), not by a signal" in said
    # Read from the database: the version row, and what the cancelled statement left. The
    # cancel stops the wait for the answer, not the statement: MariaDB ran it all the same.
    assert "the database is still at first" in lines[-1], said
    assert database.revisions() == {"first"}
    if database.kind == "mysql":
        assert "cancelled_here" in database.tables()
        assert "cancels is half-applied" in lines[-1], said
        assert "differs from what first builds by: unexpected table cancelled_here" in lines[-1]
    else:
        assert "cancelled_here" not in database.tables()
        assert "rolled back" in lines[-1], said


# Start-up code inside a running loop (the README's form): the run goes on a worker thread's loop,
# and what reaches the app is an ordinary exception, with the state in its note.
START_UP_CATCHING_FAILURES = """\
import asyncio

from alembic import command

from app.migrations import steward


async def lifespan() -> None:
    try:
        command.upgrade(steward.alembic_config(), "head")
    except Exception as error:
        print(f"caught {type(error).__name__}: {error}")
        print(*getattr(error, "__notes__", ()))


asyncio.run(lifespan())
"""


def test_start_up_code_in_a_running_loop_catches_it_as_an_ordinary_failure(
    async_project: Project, database: ServerDatabase
) -> None:
    write_revision(async_project, "first", None, "    pass")
    write_revision(async_project, "cancels", "first", CANCELS_ITS_TASK)
    (async_project.path / "lifespan.py").write_text(START_UP_CATCHING_FAILURES)
    done = async_project.run("python", "lifespan.py", env={"DATABASE_URL": plain_url(database)})
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "caught MigrationTaskCancelled: the asyncio task running the migrations" in done.stdout
    assert "alembic-steward: " in done.stdout and "the database is still at first" in done.stdout
    assert database.revisions() == {"first"}
