"""Backfills (issue 23): batched data migrations outside the migration transaction, each batch
committed with its cursor, resumable after a kill, one runner at a time, paused and resumed.

The requirement a later revision places on a backfill: test_backfill_requirements.py; a
`pending` the update leaves true, or a statement the database refuses: test_backfill_pending.py.
"""

from __future__ import annotations

import signal
import time

from backfill_histories import (
    BATCH,
    LONG_PAUSE,
    PAUSED_ROWS,
    ROWS,
    history_with_backfill,
    lowered,
    record,
    require_in_next_revision,
    run_deployed,
    wait_for,
)
from project import Project, one_error_line
from servers import ServerDatabase, only_on
from test_drift_detection import inv


def test_a_backfill_runs_in_batches_each_with_its_cursor_and_then_is_finished(
    project: Project, database: ServerDatabase
) -> None:
    history_with_backfill(project, database)
    status = inv(project, database, "db.backfill", "status", "all")
    assert f"backfill users_lower (revision bf0001): not started, {ROWS} rows pending" in status
    listed = f"backfill: users_lower (revision bf0001): not started, {ROWS} rows pending"
    assert listed in inv(project, database, "db.status")
    ran = inv(project, database, "db.backfill", "run", "users_lower")
    assert f"backfill users_lower: {ROWS} rows in 3 batches" in ran and "finished." in ran
    assert lowered(database) == ROWS
    assert record(database) == ("finished", "250", ROWS, 3)
    # A redeploy reruns it: nothing pending is success, not an error.
    again = inv(project, database, "db.backfill", "run", "users_lower")
    assert "finished already (250 rows in 3 batches) and no row is pending; nothing to do" in again
    assert "finished, 250 rows in 3 batches" in inv(
        project, database, "db.backfill", "status", "users_lower"
    )
    assert "backfill:" not in inv(project, database, "db.status")
    # Reverting its revision drops its record with it, in the downgrade's transaction: an
    # upgrade back starts it afresh, neither "finished" nor resuming after a stale cursor.
    inv(project, database, "db.downgrade")
    assert record(database) == () and database.revisions() != {"bf0001"}


def test_a_killed_run_resumes_after_its_last_committed_batch(
    project: Project, database: ServerDatabase
) -> None:
    # A pause far longer than the test: the runner is still there, between its batches, when
    # the second runner starts and when it is killed, however slow the machine.
    history_with_backfill(project, database, pause=LONG_PAUSE)
    running = project.start("inv", "db.backfill", "run", "users_lower", DATABASE_URL=database.url)
    wait_for(lambda: record(database) and record(database)[3] >= 1)
    if database.kind == "mysql":  # its lock is GET_LOCK's: a second runner is refused
        refused = inv(project, database, "db.backfill", "run", "users_lower", code=75)
        # Named as the server knows the runner's session.
        assert "is already running (another runner holds its lock: MySQL connection id" in refused
    # A revision requiring it meanwhile is told to wait for the runner, not to start another.
    require_in_next_revision(project, database, "bf0001")
    required = inv(project, database, "db.upgrade", code=1)
    assert "requires backfill users_lower" in required and "it is running now (" in required
    assert "wait for it to finish" in required and "db.backfill run" not in required, required
    assert database.revisions() == {"bf0001"}
    # Nor may a downgrade revert its revision under it: refused, naming the runner.
    reverting = inv(project, database, "db.downgrade", code=1)
    assert "reverts revision bf0001, whose backfill users_lower is running now (" in reverting
    assert "nothing was reverted" in reverting and database.revisions() == {"bf0001"}
    assert one_error_line(reverting).startswith("error: this downgrade reverts"), reverting
    running.kill()  # SIGKILL: no handler runs, the open batch is rolled back by the server
    running.communicate()
    shown = inv(project, database, "db.backfill", "status", "users_lower")
    assert "stopped (no runner; `inv db.backfill run users_lower` resumes it)" in shown
    state, cursor, done, batches = record(database)
    # What the record says was done is exactly what was committed.
    assert state == "running" and lowered(database) == done == batches * BATCH
    assert cursor == str(batches * BATCH)
    # A deploy runs it without `inv`: the same command behind `python -m app.migrations`.
    resumed = run_deployed(project, database, "backfill", "run", "users_lower", "--pause", "0")
    assert f"{ROWS - done} rows in {3 - batches} batches" in resumed
    assert record(database) == ("finished", "250", ROWS, 3) and lowered(database) == ROWS


def test_sigterm_finishes_the_current_batch_and_a_second_runner_is_refused(
    project: Project, database: ServerDatabase
) -> None:
    history_with_backfill(project, database, pause=LONG_PAUSE)
    running = project.start("inv", "db.backfill", "run", "users_lower", DATABASE_URL=database.url)
    wait_for(lambda: record(database) and record(database)[3] >= 1)
    # Exit 75 (EX_TEMPFAIL): nothing to fix; wait for the holder, or stop it.
    refused = inv(project, database, "db.backfill", "run", "users_lower", code=75)
    assert "backfill users_lower is already running (another runner holds its lock:" in refused
    # The holder is named by its process: the session's name, the lock file's note, or on
    # MariaDB the local process on the connection the server names.
    assert f"pid {running.pid}" in refused, refused
    assert "wait for that runner to finish (`inv db.backfill status users_lower`" in refused
    assert "`inv db.backfill pause users_lower` (it stops after its current batch)" in refused
    assert f"or SIGTERM to its process (pid {running.pid})" in refused, refused
    running.send_signal(signal.SIGTERM)
    # The signal lands in the pause between batches, which it cuts short.
    _out, err = running.communicate(timeout=LONG_PAUSE / 2)
    assert running.returncode == 143, err
    assert "stopped after" in err and "Traceback" not in err
    state, _cursor, done, batches = record(database)
    assert state == "running" and lowered(database) == done == min(batches * BATCH, ROWS)
    inv(project, database, "db.backfill", "run", "users_lower", "--pause", "0")
    assert lowered(database) == ROWS


@only_on(
    "sqlite",
    "postgresql",
    why="pause is a row the runner reads between batches: the same SQL everywhere",
)
def test_pause_stops_a_runner_between_batches_and_resume_continues(
    project: Project, database: ServerDatabase
) -> None:
    # Many short batches: the pause lands between two of them however slow the machine.
    history_with_backfill(project, database, pause=0.5, rows=PAUSED_ROWS)
    running = project.start("inv", "db.backfill", "run", "users_lower", DATABASE_URL=database.url)
    wait_for(lambda: record(database) and record(database)[3] >= 1)
    inv(project, database, "db.backfill", "pause", "users_lower")
    out, err = running.communicate(timeout=30)
    assert running.returncode == 0, err
    assert "paused after" in out
    assert record(database)[0] == "paused" and lowered(database) < PAUSED_ROWS
    # A deliberate pause is a state, not a failure: `run` says so and runs nothing.
    said = inv(project, database, "db.backfill", "run", "users_lower")
    assert "is paused after" in said and "db.backfill resume users_lower" in said, said
    assert record(database)[0] == "paused", record(database)
    inv(project, database, "db.backfill", "resume", "users_lower", "--pause", "0")
    assert record(database)[0] == "finished" and lowered(database) == PAUSED_ROWS


def test_progress_counts_the_pauses_to_come_and_one_batch_is_one() -> None:
    from alembic_steward.runtime._backfill_progress import Progress

    progress = Progress("users_lower", 1000, 1, cursor=1000, low=1, high=20000, start=1)
    progress.pause = 0.3
    progress.started = time.monotonic() - 0.01
    line = progress.line()
    # 19 batches to come, each followed by its 0.3 s pause: about 6 s, not 0 s.
    assert (
        line.startswith("backfill users_lower: 1000 rows in 1 batch,") and "about 6s left" in line
    )


@only_on("postgresql", why="only PostgreSQL names a lock's holder by its session's name")
def test_a_long_lock_name_keeps_its_holders_pid(database: ServerDatabase) -> None:
    import os

    from sqlalchemy import create_engine

    from alembic_steward.runtime._named_locks import holding_named_lock, named_lock_holder

    # A tenant's backfill lock: `backfill-<tenant>-<name>`, longer than a session's name.
    name = f"backfill-{'tenant' * 8}-users_lower"
    engine = create_engine(database.url)
    try:
        with holding_named_lock(engine, name):
            holder = named_lock_holder(engine, name)
    finally:
        engine.dispose()
    assert f"pid {os.getpid()}" in str(holder), holder


def test_unknown_names_and_unapplied_revisions_are_one_line(project: Project) -> None:
    failed = project.inv("db.backfill", "run", "nope", code=1)
    assert failed.stderr.strip() == (
        "error: no revision declares a backfill named 'nope' (declared: none)"
    )
    wrong = project.inv("db.backfill", "start", "x", code=1)
    assert "unknown backfill action 'start'; use one of run, pause, resume, status" in wrong.stderr
