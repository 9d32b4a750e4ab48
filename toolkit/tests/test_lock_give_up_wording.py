"""A lock wait given up before any migration began says what was running, and what it left:
a stamp that recorded nothing, an upgrade that had started no migration. Both said "each
finished migration stays applied", as after an upgrade that ran some (docs/failures.md).

SQLite is where it happens: a run waits for the app's writers at its first BEGIN, before
Alembic knows what it will do. (A MariaDB stamp on a version table another session locked gives
the same line, but each of its attempts waits innodb_lock_wait_timeout, 50 s: too slow to test
here; PostgreSQL's stamp waits there with no lock timeout at all.)
"""

from __future__ import annotations

from project import Project, one_error_line
from servers import ServerDatabase, only_on
from test_lock_timeouts import Holder, migrated_to_r1


def given_up(project: Project, database: ServerDatabase, *command: str) -> str:
    """Run ``command`` while a session of the test's own holds the SQLite write lock; its line."""
    migrated_to_r1(project, database)
    holder = Holder(database).take()
    try:
        env = {"DATABASE_URL": database.url, "DDL_LOCK_TIMEOUT": "0.1"}
        completed = project.run(*command, env=env)
    finally:
        holder.release()
    assert completed.returncode == 75, completed.stdout + completed.stderr
    assert database.revisions() == {"r1"}
    return one_error_line(completed.stderr)


@only_on("sqlite", why="only SQLite waits for a lock before the run's first migration")
def test_an_upgrade_that_gave_up_before_its_first_migration_says_none_had_started(
    project: Project, database: ServerDatabase
) -> None:
    line = given_up(project, database, "inv", "db.upgrade")
    assert line.startswith("error: the migration run gave up waiting for a lock"), line
    assert "no migration had started: the database is at r1" in line, line
    assert "stays applied" not in line, line


@only_on("sqlite", why="only SQLite waits for a lock before the run's first migration")
def test_a_stamp_that_gave_up_waiting_for_a_lock_says_it_recorded_nothing(
    project: Project, database: ServerDatabase
) -> None:
    line = given_up(project, database, "inv", "db.stamp", "-r", "r2")
    assert line.startswith("error: the stamp gave up waiting for a lock"), line
    assert "the stamp recorded nothing: the database is still at r1" in line, line
    assert "migration" not in line, line
