"""Every command that connects to the server removes the scratch databases killed runs left,
not only one that builds a scratch database: a warm `db.status` (cached descriptions) or a
`db.current` after a kill -9, once the killed run's statement has ended; a live run's scratch
database is never removed, by a building command or not (inspection/_scratch_sweep.py)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from project import Project, revision_source
from servers import ServerDatabase, connect_admin, only_on
from test_left_scratch_databases import (
    drop_databases,
    locked_scratch_name,
    own_name,
    server_databases,
    sessions_on,
)

from alembic_steward.inspection._scratch_locks import scratch_lock_key, scratch_lock_name

# A scratch build of r1 touches BUILT_FILE (so a run that built nothing is told); with
# PAUSED_FILE set it touches that, then sleeps on the server (SERVER_SLEEP, in SQL: the killed
# run's session stays inside its statement) or in Python while HOLD_FILE exists.
R1 = """\
    import os
    import pathlib
    import time

    if os.environ.get("BUILT_FILE"):
        pathlib.Path(os.environ["BUILT_FILE"]).touch()
    if os.environ.get("PAUSED_FILE"):
        pathlib.Path(os.environ["PAUSED_FILE"]).touch()
        if os.environ.get("SERVER_SLEEP"):
            op.execute(os.environ["SERVER_SLEEP"])
        while os.path.exists(os.environ.get("HOLD_FILE", "")):
            time.sleep(0.05)"""

SERVER_SLEEP = {"postgresql": "SELECT pg_sleep(10)", "mysql": "SELECT SLEEP(10)"}


def scratch_databases(database: ServerDatabase) -> set[str]:
    prefix = f"{own_name(database)[:40]}_"
    return {name for name in server_databases(database) if name.startswith(prefix)}


def paused_cold_check(
    project: Project, database: ServerDatabase, tmp_path: Path, **env: str
) -> tuple[subprocess.Popen[str], set[str]]:
    """Start a cold `db.check` (its own empty cache) and wait until its scratch build of r1
    pauses; the process and the scratch databases it has made by then."""
    paused = tmp_path / "paused"
    run = project.start(
        "inv",
        "db.check",
        DATABASE_URL=database.url,
        ALEMBIC_STEWARD_CACHE=str(tmp_path / "cold-cache"),
        PAUSED_FILE=str(paused),
        **env,
    )
    deadline = time.monotonic() + 60
    while not paused.exists():
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    time.sleep(0.3)  # into the statement after the touch
    made = scratch_databases(database)
    assert made, "the paused build has no scratch database"
    return run, made


def status(project: Project, database: ServerDatabase, built: Path) -> subprocess.CompletedProcess:
    return project.run(
        "inv", "db.status", env={"DATABASE_URL": database.url, "BUILT_FILE": str(built)}
    )


@only_on("postgresql", "mysql", why="SQLite's scratch files live in a temporary folder")
def test_a_warm_status_removes_a_killed_runs_scratch_database_once_its_statement_ends(
    project: Project, database: ServerDatabase, tmp_path: Path
) -> None:
    project.write_revision("r1.py", revision_source("r1", None, R1))
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    built = tmp_path / "built"
    warm = status(project, database, built)  # keeps r1's description: later ones build nothing
    assert warm.returncode == 0, warm.stdout + warm.stderr
    built.unlink()
    run, left = paused_cold_check(
        project, database, tmp_path, SERVER_SLEEP=SERVER_SLEEP[database.kind]
    )
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    try:
        # The killed run's statement still runs on the server: its database is kept.
        running = {name for name in left if sessions_on(database, {name})}
        assert running, "the killed run's sleep is not running: nothing tested"
        during = status(project, database, built)
        assert during.returncode == 0, during.stdout + during.stderr
        # MariaDB ends a gone client's SLEEP within seconds, maybe before the status is done.
        if sessions_on(database, running) or database.kind == "postgresql":
            assert running <= scratch_databases(database), during.stderr
        deadline = time.monotonic() + 60
        while sessions_on(database, left):
            assert time.monotonic() < deadline, "the killed run's statement never ended"
            time.sleep(0.1)
        after = status(project, database, built)
        assert after.returncode == 0, after.stdout + after.stderr
        assert not built.exists(), "the status built a scratch database: nothing tested"
        assert not left & scratch_databases(database), after.stderr
        (note,) = [line for line in after.stderr.splitlines() if "scratch database" in line]
        assert note.startswith("note: removed"), note
        again = status(project, database, built)
        assert "scratch database" not in again.stderr, again.stderr
    finally:
        drop_databases(database, left)


@only_on("postgresql", "mysql", why="SQLite's scratch files live in a temporary folder")
def test_a_command_that_builds_nothing_removes_a_scratch_database_whose_lock_is_free(
    project: Project, database: ServerDatabase
) -> None:
    left = locked_scratch_name(database, "models", 5)  # its run is gone: nobody holds its lock
    held = locked_scratch_name(database, "scratch", 5)  # a live run's
    holder = connect_admin(database.kind, database.url)
    try:
        with holder.cursor() as cursor:
            for name in (left, held):
                cursor.execute(f"CREATE DATABASE {name}")
            if database.kind == "postgresql":
                cursor.execute("SELECT pg_advisory_lock(%s)", (scratch_lock_key(held),))
            else:
                cursor.execute("SELECT GET_LOCK(%s, 0)", (scratch_lock_name(held),))
        current = project.run("inv", "db.current", env={"DATABASE_URL": database.url})
        assert current.returncode == 0, current.stdout + current.stderr
        remaining = server_databases(database)
        assert left not in remaining and held in remaining, current.stderr
        (note,) = [line for line in current.stderr.splitlines() if "scratch database" in line]
        assert note.startswith("note: removed 1 scratch database that stopped runs left"), note
        assert left in note and held not in note, note
    finally:
        holder.close()
        drop_databases(database, {left, held})


@only_on("postgresql", "mysql", why="SQLite's scratch files live in a temporary folder")
def test_two_runs_at_once_never_remove_each_others_scratch_databases(
    project: Project, database: ServerDatabase, tmp_path: Path
) -> None:
    project.write_revision("r1.py", revision_source("r1", None, R1))
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    built = tmp_path / "built"
    assert status(project, database, built).returncode == 0  # warm: later ones build nothing
    hold = tmp_path / "hold"
    hold.touch()
    run, live = paused_cold_check(project, database, tmp_path, HOLD_FILE=str(hold))
    try:
        # One that only sweeps, and one that builds (and sweeps before its build), meanwhile.
        beside = status(project, database, built)
        other = project.run(
            "inv",
            "db.check",
            env={"DATABASE_URL": database.url, "ALEMBIC_STEWARD_CACHE": str(tmp_path / "other")},
        )
        for result in (beside, other):
            assert result.returncode == 0, result.stdout + result.stderr
            assert "scratch database" not in result.stderr, result.stderr
        assert live <= scratch_databases(database)
        hold.unlink()
        stdout, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stdout + stderr
        assert not scratch_databases(database), stderr
    finally:
        hold.unlink(missing_ok=True)
        if run.poll() is None:
            run.kill()
            run.communicate()
        drop_databases(database, live)
