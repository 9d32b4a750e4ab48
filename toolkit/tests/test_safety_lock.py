"""Concurrent migration runs take turns on one lock per database, on every supported database."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from project import Project
from safety_revisions import (
    LOGGING_FIRST,
    LOGGING_SECOND,
    one_error_line,
    start_lock_holder,
    write_revision,
)
from servers import ServerDatabase

CONCURRENT_RUNS = 6
# Upgrades to aaaa00000001, takes the migration lock, then upgrades to head (the lock is
# re-entrant per thread) once told to.
HOLD_THEN_UPGRADE = """\
import sys

from alembic import command
from sqlalchemy import create_engine, pool

from alembic_steward.runtime._lock import hold_migration_lock
from app.migrations import steward
from app.settings import get_settings

engine = create_engine(get_settings().database_url, poolclass=pool.NullPool)
command.upgrade(steward.alembic_config(), "aaaa00000001")
with engine.connect() as connection, hold_migration_lock(connection, timeout=30):
    print("locked", flush=True)
    sys.stdin.readline()
    command.upgrade(steward.alembic_config(), "head")
"""


def waiting_for_the_lock(database: ServerDatabase, waiter: subprocess.Popen[str]) -> bool:
    """Whether ``waiter`` has reached its wait for the migration lock, as its database shows."""
    from alembic_steward.runtime._migration_lock_connection import LOCK_HOLDER_PREFIX

    if database.kind == "sqlite":  # the lock file beside the database, open in the waiter
        return any(path.endswith("-migration-lock") for path in open_files(waiter.pid))
    if database.kind == "postgresql":  # its lock connection, beside its migration connection
        sql = (
            "SELECT count(*) FROM pg_stat_activity"
            f" WHERE application_name = '{LOCK_HOLDER_PREFIX}{waiter.pid}'"
        )
        return database.query(sql)[0][0] >= 2
    sql = "SELECT count(*) FROM information_schema.PROCESSLIST WHERE STATE = 'User lock'"
    return database.query(f"{sql} AND DB = DATABASE()")[0][0] >= 1


def open_files(pid: int) -> list[str]:
    """The paths the process ``pid`` has open; one closed while they are listed is left out."""
    paths = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            paths.append(os.readlink(fd))
        except FileNotFoundError:  # closed between the listing and the read: open no more
            continue
    return paths


def test_concurrent_upgrades_all_succeed_and_run_each_migration_once(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "aaaa00000001", None, LOGGING_FIRST)
    write_revision(project, "aaaa00000002", "aaaa00000001", LOGGING_SECOND)
    commands = [("inv", "db.upgrade"), ("alembic", "upgrade", "head")]
    # A generous bound: on a loaded CI machine six interpreters may start slowly.
    env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "240"}
    runs = [project.start(*commands[index % 2], **env) for index in range(CONCURRENT_RUNS)]
    outcomes = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    assert [code for code, _ in outcomes] == [0] * CONCURRENT_RUNS, outcomes
    logged = sorted(row[0] for row in database.query("SELECT revision FROM migration_log"))
    assert logged == ["first", "second"]
    assert database.revisions() == {"aaaa00000002"}


WAITED = (
    "waited for the migration lock another run held, and that run left the database at"
    " aaaa00000002 (read once the lock was free)"
)
# Each command waits while another run moves the database from aaaa00000001 (expand) to head
# (aaaa00000002, contract); what it says first, and where it leaves the database.
WAITING_COMMANDS = {
    "upgrade": (("inv", "db.upgrade"), f"Nothing to run: this upgrade {WAITED}", "aaaa00000002"),
    "downgrade": (
        ("inv", "db.downgrade"),
        f"This downgrade {WAITED}; it steps back from there",
        "aaaa00000001",
    ),
    "expand phase": (
        ("inv", "db.upgrade", "--phase", "expand"),
        f"This upgrade --phase expand {WAITED}",
        "aaaa00000002",
    ),
    "deploy's expand phase": (
        ("python", "-m", "app.migrations", "upgrade", "--phase", "expand"),
        f"This upgrade --phase expand {WAITED}",
        "aaaa00000002",
    ),
    "redo": (("inv", "db.redo"), f"This redo {WAITED}", "aaaa00000002"),
}


@pytest.mark.parametrize(
    ("database", "waiting"),
    [
        # The lock's wait is each database's own; what a command says after it is not.
        ("sqlite", "upgrade"),
        ("postgresql", "upgrade"),
        ("mysql", "upgrade"),
        *(("sqlite", name) for name in WAITING_COMMANDS if name != "upgrade"),
    ],
    indirect=["database"],
)
def test_a_command_that_waited_for_another_says_what_that_run_left(
    project: Project, database: ServerDatabase, waiting: str
) -> None:
    arguments, first_line, left_at = WAITING_COMMANDS[waiting]
    expand = write_revision(project, "aaaa00000001", None, "    pass")
    expand.write_text(expand.read_text() + '\nphase = "expand"\n')
    write_revision(project, "aaaa00000002", "aaaa00000001", "    pass")
    (project.path / "hold_then_upgrade.py").write_text(HOLD_THEN_UPGRADE)
    env = project.environment(DATABASE_URL=database.url)
    options = {"cwd": project.path, "env": env, "text": True, "stdout": subprocess.PIPE}
    holder = project.popen("python", "hold_then_upgrade.py", stdin=subprocess.PIPE, **options)
    waiter = None
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        # Only now: a waiter started beside the holder could take the lock first (its command
        # forks from a pre-imported Python, the holder's imports everything) and never wait.
        waiter = project.popen(*arguments, stderr=subprocess.PIPE, **options)
        deadline = time.monotonic() + 120
        while not waiting_for_the_lock(database, waiter):
            assert waiter.poll() is None, "the command ended without waiting for the lock"
            assert time.monotonic() < deadline, "the command never reached its wait for the lock"
            time.sleep(0.1)
        time.sleep(0.5)  # from reaching the lock to its first try: microseconds
        holder.communicate("go\n", timeout=120)
        said, stderr = waiter.communicate(timeout=120)
    finally:
        for process in (holder, waiter):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate()
    assert holder.returncode == 0 and waiter.returncode == 0, said + stderr
    assert said.splitlines()[0] == first_line, said + stderr
    assert database.revisions() == {left_at}


def test_lock_timeout_fails_in_one_line_naming_the_holder(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "aaaa00000001", None, LOGGING_FIRST)
    holder = start_lock_holder(project, database.url)
    try:
        env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "1"}
        completed = project.run("inv", "db.upgrade", env=env)
        raw = project.run("alembic", "upgrade", "head", env=env)
    finally:
        holder.kill()
        holder.wait()
    assert completed.returncode == 1
    error = one_error_line(completed.stderr)
    assert "holds the migration lock after 1 s" in error and "MIGRATION_LOCK_TIMEOUT" in error
    expected_holder = {
        "sqlite": f"process pid {holder.pid}",
        "postgresql": "application 'lock holder test'",
        "mysql": "MySQL connection id",
    }[database.kind]
    assert expected_holder in error
    assert raw.returncode != 0  # alembic itself exits 255 on a CommandError
    assert "holds the migration lock" in one_error_line(
        raw.stderr, prefix="ERROR [alembic.util.messaging] "
    )
    assert database.revisions() == set()


def test_killed_lock_holder_does_not_keep_the_lock(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "aaaa00000001", None, LOGGING_FIRST)
    holder = start_lock_holder(project, database.url)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "20"}
    completed = project.run("inv", "db.upgrade", env=env)
    assert completed.returncode == 0, completed.stderr
    assert database.revisions() == {"aaaa00000001"}


def test_unusable_lock_timeout_fails_in_one_line(project: Project) -> None:
    completed = project.run("inv", "db.upgrade", env={"MIGRATION_LOCK_TIMEOUT": "soon"})
    assert completed.returncode == 1
    error = one_error_line(completed.stderr)
    assert "MIGRATION_LOCK_TIMEOUT='soon' (from environment) is not a finite number" in error


def test_sqlite_database_in_a_missing_folder_fails_in_one_line(project: Project, tmp_path) -> None:
    url = f"sqlite:///{(tmp_path / 'missing' / 'app.db').as_posix()}"
    completed = project.run("inv", "db.upgrade", env={"DATABASE_URL": url})
    assert completed.returncode == 1
    error = one_error_line(completed.stderr)
    assert "unable to open database file" in error
    assert not (tmp_path / "missing").exists()


def test_lock_timeout_comes_from_invoke_config_unless_the_environment_sets_it(
    project: Project, tmp_path
) -> None:
    url = f"sqlite:///{(tmp_path / 'configured.db').as_posix()}"
    write_revision(project, "aaaa00000001", None, LOGGING_FIRST)
    (project.path / "invoke.yaml").write_text("db:\n  migration_lock_timeout: 1\n")
    holder = start_lock_holder(project, url)
    try:
        from_config = project.run("inv", "db.upgrade", env={"DATABASE_URL": url})
        from_environment = project.run(
            "inv", "db.upgrade", env={"DATABASE_URL": url, "MIGRATION_LOCK_TIMEOUT": "2"}
        )
    finally:
        holder.kill()
        holder.wait()
    assert "holds the migration lock after 1 s" in one_error_line(from_config.stderr)
    assert "holds the migration lock after 2 s" in one_error_line(from_environment.stderr)
