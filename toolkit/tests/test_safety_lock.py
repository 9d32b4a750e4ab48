"""Concurrent migration runs take turns on one lock per database, on every supported database."""

from __future__ import annotations

import signal

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
