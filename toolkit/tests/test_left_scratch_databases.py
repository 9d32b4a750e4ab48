"""Scratch databases a killed run left (kill -9 during a cold db.check) are removed by the next
run that builds one, at once once its run is gone (no session holds its lock, none is connected);
an older toolkit's, which hold no lock, once old enough; a live run's never (README "What is kept
between runs", docs/failures.md)."""

from __future__ import annotations

import signal
import time
from urllib.parse import urlsplit

from project import Project, revision_source
from servers import ServerDatabase, connect_admin, only_on, with_database

from alembic_steward.inspection._left_scratch_databases import MINIMUM_AGE_SECONDS
from alembic_steward.inspection._scratch_locks import scratch_lock_key, scratch_lock_name

# Stops a scratch build in its upgrade() when PAUSED_FILE is set, after touching that file: a
# Python sleep, so the server's sessions are idle and end with the killed process.
PAUSES = """\
    import os
    import pathlib
    import time

    if os.environ.get("PAUSED_FILE"):
        pathlib.Path(os.environ["PAUSED_FILE"]).touch()
        time.sleep(120)"""


def own_name(database: ServerDatabase) -> str:
    return urlsplit(database.url).path.lstrip("/")


def scratch_name(database: ServerDatabase, label: str, made_seconds_ago: float) -> str:
    """A name as an older toolkit gave one (4 random hex digits: no lock held), made
    ``made_seconds_ago``."""
    return f"{own_name(database)[:40]}_{label}_{int(time.time() - made_seconds_ago):08x}beef"


def locked_scratch_name(database: ServerDatabase, label: str, made_seconds_ago: float) -> str:
    """A name as inspection/_scratch_database.py gives one now (5 random hex digits: its run
    holds its lock), made ``made_seconds_ago``."""
    return scratch_name(database, label, made_seconds_ago) + "0"


def server_databases(database: ServerDatabase) -> set[str]:
    sql = (
        "SELECT datname FROM pg_database"
        if database.kind == "postgresql"
        else "SELECT schema_name FROM information_schema.schemata"
    )
    return {row[0] for row in database.query(sql)}


@only_on("postgresql", "mysql", why="SQLite's scratch files live in a temporary folder")
def test_a_cold_check_removes_an_older_toolkits_left_scratch_databases_once_old_enough(
    project: Project, database: ServerDatabase
) -> None:
    old = MINIMUM_AGE_SECONDS + 3600
    left = scratch_name(database, "scratch", old)
    left_models = scratch_name(database, "models", old)
    young = scratch_name(database, "models", 5)  # a live run may be about to connect to it
    in_use = scratch_name(database, "scratch", old + 1)
    admin = connect_admin(database.kind, database.url)
    created = [left, left_models, young, in_use]
    try:
        with admin.cursor() as cursor:
            for name in created:
                cursor.execute(f"CREATE DATABASE {name}")
        user = connect_admin(database.kind, with_database(database.url, in_use))
        try:
            check = project.run("inv", "db.check", env={"DATABASE_URL": database.url})
            assert check.returncode == 0, check.stdout + check.stderr
            remaining = server_databases(database)
            assert left not in remaining and left_models not in remaining, check.stderr
            assert young in remaining and in_use in remaining, check.stderr
            (note,) = [line for line in check.stderr.splitlines() if "scratch database" in line]
            assert note.startswith("note: removed 2 scratch databases that stopped runs left"), note
            assert left in note and left_models in note and young not in note, note
            # Said once: the next run finds none to remove (in_use is still connected to).
            again = project.run("inv", "db.check", env={"DATABASE_URL": database.url})
            assert "removed" not in again.stderr, again.stderr
        finally:
            user.close()
    finally:
        with admin.cursor() as cursor:
            for name in created:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


@only_on("postgresql", "mysql", why="SQLite's scratch files live in a temporary folder")
def test_a_check_removes_the_scratch_database_of_a_run_killed_mid_build_at_once(
    project: Project, database: ServerDatabase, tmp_path
) -> None:
    project.write_revision("r1.py", revision_source("r1", None, PAUSES))
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    paused = tmp_path / "paused"  # a cold check builds r1 in a scratch database
    run = project.start("inv", "db.check", DATABASE_URL=database.url, PAUSED_FILE=str(paused))
    deadline = time.monotonic() + 60
    while not paused.exists():
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    prefix = f"{own_name(database)[:40]}_"
    left = {name for name in server_databases(database) if name.startswith(prefix)}
    assert left, "the paused build has no scratch database"
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    try:
        # The killed process's sessions end as the server notices: a moment, not minutes.
        while sessions_on(database, left):
            assert time.monotonic() < deadline, "the killed run's sessions never ended"
            time.sleep(0.05)
        check = project.run("inv", "db.check", env={"DATABASE_URL": database.url})
        assert check.returncode == 0, check.stdout + check.stderr
        assert not left & server_databases(database), check.stderr
        (note,) = [line for line in check.stderr.splitlines() if "scratch database" in line]
        assert note.startswith("note: removed"), note
        assert all(name in note for name in left), note
    finally:
        drop_databases(database, left)


@only_on("postgresql", "mysql", why="SQLite's scratch files live in a temporary folder")
def test_a_scratch_database_is_kept_while_a_session_holds_its_lock_whatever_its_age(
    project: Project, database: ServerDatabase
) -> None:
    held = locked_scratch_name(database, "scratch", MINIMUM_AGE_SECONDS + 3600)
    left = locked_scratch_name(database, "models", 5)  # its run is gone: nobody holds its lock
    holder = connect_admin(database.kind, database.url)
    try:
        with holder.cursor() as cursor:
            for name in (held, left):
                cursor.execute(f"CREATE DATABASE {name}")
            if database.kind == "postgresql":
                cursor.execute("SELECT pg_advisory_lock(%s)", (scratch_lock_key(held),))
            else:
                cursor.execute("SELECT GET_LOCK(%s, 0)", (scratch_lock_name(held),))
        check = project.run("inv", "db.check", env={"DATABASE_URL": database.url})
        assert check.returncode == 0, check.stdout + check.stderr
        remaining = server_databases(database)
        assert held in remaining and left not in remaining, check.stderr
        (note,) = [line for line in check.stderr.splitlines() if "scratch database" in line]
        assert note.startswith("note: removed 1 scratch database that stopped runs left"), note
        assert left in note and held not in note, note
    finally:
        holder.close()
        drop_databases(database, {held, left})


def sessions_on(database: ServerDatabase, names: set[str]) -> list[tuple]:
    listed = ", ".join(f"'{name}'" for name in names)
    sql = (
        f"SELECT pid FROM pg_stat_activity WHERE datname IN ({listed})"
        if database.kind == "postgresql"
        else f"SELECT id FROM information_schema.processlist WHERE db IN ({listed})"
    )
    return database.query(sql)


def drop_databases(database: ServerDatabase, names: set[str]) -> None:
    admin = connect_admin(database.kind, database.url)
    try:
        with admin.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
    finally:
        admin.close()
