"""A backfill that cannot finish as declared: a `pending` its update leaves true, or a `set` the
database refuses, marks it failed (not finished) with advice to fix its declaration (#23)."""

from __future__ import annotations

import pytest
from backfill_histories import (
    ROWS,
    history_with_backfill,
    lowered,
    record,
    require_in_next_revision,
)
from project import Project, one_error_line
from servers import ServerDatabase, only_on
from test_drift_detection import inv

# True of every row before and after the update: it reads a column the update does not set.
NEVER_DONE = "email = upper(email)"


# The deploy entry point words the same failure: once is enough, on the quickest database.
@pytest.mark.parametrize(
    ("database", "command"),
    [("sqlite", "inv"), ("postgresql", "inv"), ("mysql", "inv"), ("sqlite", "module")],
    indirect=["database"],
)
def test_a_pending_condition_the_update_leaves_true_stops_the_run_unfinished(
    project: Project, database: ServerDatabase, command: str
) -> None:
    history_with_backfill(project, database, pending=NEVER_DONE)
    argv = (
        ["inv", "db.backfill", "run", "users_lower"]
        if command == "inv"
        else ["python", "-m", "app.migrations", "backfill", "run", "users_lower"]
    )
    completed = project.run(*argv, env={"DATABASE_URL": database.url})
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "finished" not in completed.stdout, completed.stdout
    line = one_error_line(completed.stderr)
    assert line.startswith(
        "error: backfill users_lower: its batch of keys up to 100 updated 100 row(s) that are"
        " still pending afterwards"
    ), line
    assert f"`pending` ({NEVER_DONE})" in line and "revision bf0001" in line, line
    assert "the batch was rolled back and the backfill marked failed, not finished" in line, line
    # Nothing of the batch was kept, and the record says failed: running it again as declared
    # would stop the same way, so no advice says it resumes.
    assert lowered(database) == 0
    assert record(database) == ("failed", None, 0, 0)
    status = inv(project, database, "db.backfill", "status", "users_lower")
    assert "(revision bf0001): failed: its batch of keys up to 100 updated" in status, status
    assert "fix the Backfill declaration in revision bf0001, then" in status, status
    assert "resumes it" not in status, status


@only_on("sqlite", why="the gate's reads are the same SQL on every database")
def test_a_pending_condition_the_update_leaves_true_fails_the_requirement_inline(
    project: Project, database: ServerDatabase
) -> None:
    declaring = history_with_backfill(project, database, rows=5, pending=NEVER_DONE)
    require_in_next_revision(project, database, declaring)
    refused = inv(project, database, "db.upgrade", code=1)
    assert "BackfillNotFinished" in refused, refused
    assert "updating its 5 pending row(s) here left 5 still pending" in refused, refused
    assert database.revisions() == {declaring}
    assert lowered(database) == 0


@only_on("mysql", why="MariaDB's unknown column is an OperationalError, like a lost connection")
def test_a_set_the_database_refuses_fails_the_backfill_and_a_fixed_one_runs_on(
    project: Project, database: ServerDatabase
) -> None:
    history_with_backfill(project, database, set_="nam = 'y'")
    refused = inv(project, database, "db.backfill", "run", "users_lower", code=1)
    line = one_error_line(refused)
    assert line.startswith(
        "error: backfill users_lower (revision bf0001) failed: its `set` (nam = 'y') was"
        " refused by the database: Unknown column 'nam'"
    ), line
    assert "fix the Backfill declaration in revision bf0001, then `inv db.backfill run" in line
    assert record(database)[0] == "failed"
    status = inv(project, database, "db.backfill", "status", "users_lower")
    assert "failed: its `set` (nam = 'y') was refused" in status and "resumes" not in status
    # Fixed in its revision, the same command runs it from where it stopped.
    fixed = project.versions / "bf0001_backfill.py"
    fixed.write_text(fixed.read_text().replace("nam = 'y'", "email_lower = lower(email)"))
    inv(project, database, "db.backfill", "run", "users_lower", "--pause", "0")
    assert record(database)[0] == "finished" and lowered(database) == ROWS
