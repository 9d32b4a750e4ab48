"""Backfills (issue 23): batched data migrations outside the migration transaction, each batch
committed with its cursor, resumable after a kill, one runner at a time, required by name."""

from __future__ import annotations

import signal
import time

import pytest
from project import Project, created_revision, one_error_line, revision_source
from servers import ServerDatabase, only_on
from test_drift_detection import inv, set_models

ROWS, BATCH = 250, 100
# Seconds between batches where a test acts on a runner between two of them (starts a second
# runner, kills it, sends SIGTERM): far longer than any test waits, so the runner cannot finish
# first on a slow machine; a stop request cuts the pause short.
LONG_PAUSE = 60.0
# The pause test's rows: 20 batches half a second apart, so `pause` lands between two.
PAUSED_ROWS = 2000
USERS = """

class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(60))
    email_lower: Mapped[str | None] = mapped_column(sa.String(60))
"""
DECLARING = """from alembic_steward.backfills import Backfill

backfills = [
    Backfill(
        name="users_lower",
        table="users",
        key="id",
        set="{set}",
        pending="{pending}",
        batch_size={batch},
        pause_seconds={pause},
    )
]
"""
REQUIRING = "from alembic_steward.backfills import require_backfill\n"


def history_with_backfill(
    project: Project,
    database: ServerDatabase,
    *,
    pause: float = 0.0,
    rows: int = ROWS,
    pending: str = "email_lower IS NULL",
    set_: str = "email_lower = lower(email)",
) -> str:
    """users (with ``rows`` rows, upper-case emails), then a revision declaring the backfill."""
    set_models(project, USERS)
    first = created_revision(inv(project, database, "db.revision", "-m", "users"))[0]
    inv(project, database, "db.upgrade")
    values = ", ".join(f"({n}, 'USER{n}@EXAMPLE.COM')" for n in range(1, rows + 1))
    database.query(f"INSERT INTO users (id, email) VALUES {values}")
    source = revision_source("bf0001", first, "    pass")
    declaring = source.replace(
        "from alembic import op\n",
        "from alembic import op\n"
        + DECLARING.format(batch=BATCH, pause=pause, pending=pending, set=set_),
    )
    project.write_revision("bf0001_backfill.py", declaring)
    inv(project, database, "db.upgrade")
    return "bf0001"


def lowered(database: ServerDatabase) -> int:
    return database.query("SELECT count(*) FROM users WHERE email_lower IS NOT NULL")[0][0]


def record(database: ServerDatabase) -> tuple:
    """(state, cursor, rows_done, batches), or () before the first run made the table."""
    if "alembic_backfills" not in database.tables():
        return ()
    rows = database.query(
        "SELECT state, last_key, rows_done, batches FROM alembic_backfills"
        " WHERE name = 'users_lower'"
    )
    return rows[0] if rows else ()


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


@only_on(
    "sqlite",
    "postgresql",
    why="signals are the same code everywhere; MariaDB's lock: the killed-run test",
)
def test_sigterm_finishes_the_current_batch_and_a_second_runner_is_refused(
    project: Project, database: ServerDatabase
) -> None:
    history_with_backfill(project, database, pause=LONG_PAUSE)
    running = project.start("inv", "db.backfill", "run", "users_lower", DATABASE_URL=database.url)
    wait_for(lambda: record(database) and record(database)[3] >= 1)
    # Exit 75 (EX_TEMPFAIL): nothing to fix; wait for the holder, or stop it.
    refused = inv(project, database, "db.backfill", "run", "users_lower", code=75)
    assert "backfill users_lower is already running (another runner holds its lock:" in refused
    # The holder is named by its process: the session's name, or the lock file's note.
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
    refused = inv(project, database, "db.backfill", "run", "users_lower", code=1)
    assert "is paused after" in refused and "db.backfill resume users_lower" in refused
    inv(project, database, "db.backfill", "resume", "users_lower", "--pause", "0")
    assert record(database)[0] == "finished" and lowered(database) == PAUSED_ROWS


def require_in_next_revision(project: Project, database: ServerDatabase, down: str) -> None:
    upgrade = '    require_backfill("users_lower", finish_inline_up_to=10)'
    source = revision_source("bf0002", down, upgrade).replace(
        "from alembic import op\n", "from alembic import op\n" + REQUIRING
    )
    project.write_revision("bf0002_require.py", source)


def test_a_revision_requiring_the_backfill_is_refused_by_name_until_it_finished(
    project: Project, database: ServerDatabase
) -> None:
    declaring = history_with_backfill(project, database)
    require_in_next_revision(project, database, declaring)
    refused = inv(project, database, "db.upgrade", code=1)
    assert "requires backfill users_lower (declared by revision bf0001)" in refused
    assert "it has not been started" in refused and "db.backfill run users_lower" in refused
    assert database.revisions() == {declaring}
    # The deploy entry point says the same in one line (it printed the revision's traceback).
    deployed = project.run(
        "python", "-m", "app.migrations", "upgrade", env={"DATABASE_URL": database.url}
    )
    assert deployed.returncode == 1 and "Traceback" not in deployed.stderr, deployed.stderr
    line = one_error_line(deployed.stderr)
    assert line.startswith("error: upgrade failed:") and "requires backfill users_lower" in line
    assert database.revisions() == {declaring}
    inv(project, database, "db.backfill", "run", "users_lower")
    inv(project, database, "db.upgrade")
    assert database.revisions() == {"bf0002"}


@only_on("sqlite", "postgresql", why="the same reads and writes as on PostgreSQL; kept short")
def test_rows_written_after_it_finished_are_backfilled_by_a_rerun_before_the_requirement(
    project: Project, database: ServerDatabase
) -> None:
    declaring = history_with_backfill(project, database)
    inv(project, database, "db.backfill", "run", "users_lower")
    # The previous release, still serving during the expand phase, inserts rows it cannot set.
    values = ", ".join(f"({n}, 'LATE{n}@EXAMPLE.COM')" for n in range(1001, 1021))
    database.query(f"INSERT INTO users (id, email) VALUES {values}")
    listed = inv(project, database, "db.status")
    again = "backfill: users_lower (revision bf0001): finished earlier (250 rows in 3 batches,"
    assert again in listed and "but 20 rows are pending again" in listed, listed
    assert "`inv db.backfill run users_lower` updates them" in listed, listed
    require_in_next_revision(project, database, declaring)
    refused = inv(project, database, "db.upgrade", code=1)
    assert (
        "requires backfill users_lower (declared by revision bf0001) to have finished, but"
        " more than 10 rows written since it finished (by code that does not set them) are"
        " pending again; run `inv db.backfill run users_lower`, then upgrade again"
    ) in refused, refused
    rerun = inv(project, database, "db.backfill", "run", "users_lower")
    assert "running it again from the first key" in rerun and "20 rows in" in rerun
    inv(project, database, "db.upgrade")
    assert lowered(database) == ROWS + 20


@only_on("sqlite", why="the gate's reads are the same SQL on every database")
def test_a_fresh_database_passes_the_requirement_and_a_few_rows_are_finished_inline(
    project: Project, database: ServerDatabase
) -> None:
    declaring = history_with_backfill(project, database, rows=5)
    stopped = run_under_a_downgrade(project, database)
    assert (
        "backfill users_lower stopped: the database is at base (read from the database), below"
        " its revision bf0001: a downgrade reverted it, and the backfill's record and cursor"
        " with it; `inv db.upgrade -r bf0001`, then `inv db.backfill run users_lower` starts it"
    ) in stopped, stopped
    database.query(f"INSERT INTO alembic_version VALUES ('{declaring}')")
    database.query("UPDATE users SET email_lower = NULL")
    require_in_next_revision(project, database, declaring)
    inv(project, database, "db.upgrade")
    assert lowered(database) == 5
    # Finished inline: no run recorded, but nothing is pending.
    status = inv(project, database, "db.backfill", "status", "users_lower")
    assert "finished, no row is pending (no run recorded)" in status, status


def run_under_a_downgrade(project: Project, database: ServerDatabase) -> str:
    """Run the backfill in this process while, after its first batch, a downgrade (of a
    release that did not refuse it) reverts its revision; return the line it stopped with."""
    from sqlalchemy import create_engine

    with project.imported():
        from alembic_steward.runtime._backfill_commands import load
        from alembic_steward.runtime._backfill_runs import BackfillRefused, run_backfill

        def downgraded(_progress: object) -> None:
            database.query("DELETE FROM alembic_backfills")
            database.query("DELETE FROM alembic_version")

        engine = create_engine(database.url)
        try:
            run_backfill(
                engine,
                load()[1]["users_lower"],
                resume=False,
                report=downgraded,
                stop_requested=lambda: False,
                pause_seconds=0,
            )
        except BackfillRefused as refused:
            return str(refused)
        finally:
            engine.dispose()
    raise AssertionError("the run went on below its revision")


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


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the backfill's first batch")
        time.sleep(0.05)


def run_deployed(project: Project, database: ServerDatabase, *arguments: str) -> str:
    completed = project.run(
        "python", "-m", "app.migrations", *arguments, env={"DATABASE_URL": database.url}
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout + completed.stderr


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
