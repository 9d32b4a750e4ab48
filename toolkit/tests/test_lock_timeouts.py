"""A migration waits for a lock another session holds at most its lock timeout, then retries.

Each test holds a lock the migration's ALTER needs from a connection of its own (PostgreSQL:
an open transaction that read the table; MariaDB: the metadata lock of such a transaction;
SQLite: a write transaction), with lock timeouts of a fraction of a second.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, connect_admin, only_on

LOCK_TIMEOUT = 0.1  # the smallest sensible: MariaDB counts it as its least, 1 s
# Each attempt's lock timeout (runtime/_lock_retries.py), as the database counts it.
SCALES = (1, 1, 2, 2, 4)
CREATE_ACCOUNTS = """\
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.execute("INSERT INTO accounts (id, name) VALUES (1, 'first')")"""
ADD_NOTE = '    op.add_column("accounts", sa.Column("note", sa.String(20)))'
# A probe's wait beyond the lock timeout: a round trip and a busy machine, not a lock.
MARGIN = 0.7


def write_accounts_history(project: Project, second: str = ADD_NOTE, extra: str = "") -> None:
    project.write_revision(
        "r1_accounts.py", revision_source("r1", None, CREATE_ACCOUNTS, message="Add accounts")
    )
    project.write_revision(
        "r2_note.py",
        revision_source("r2", "r1", second, message="Add a note to accounts") + extra,
    )


@dataclass
class Holder:
    """A session of the test's own that holds a lock on `accounts` until released."""

    database: ServerDatabase
    connection: Any = None
    session: int | None = None
    released: threading.Event = field(default_factory=threading.Event)

    def take(self) -> Holder:
        if self.database.kind == "sqlite":
            path = urlsplit(self.database.url).path[1:]
            self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.connection.execute("BEGIN IMMEDIATE")
            return self
        self.connection = connect_admin(self.database.kind, self.database.url)
        with self.connection.cursor() as cursor:
            if self.database.kind == "postgresql":
                cursor.execute("SET application_name = 'report holder'")
                self.session = self.connection.info.backend_pid
            else:
                self.session = self.connection.thread_id()
            cursor.execute("BEGIN")
            cursor.execute("SELECT * FROM accounts")
            cursor.fetchall()
        return self

    def release(self) -> None:
        if self.connection is not None and not self.released.is_set():
            self.released.set()
            self.connection.rollback()
            self.connection.close()


@dataclass
class Probe:
    """Reads `accounts` from a third session over and over, timing how long each read waits."""

    database: ServerDatabase
    waits: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        connection = connect_admin(self.database.kind, self.database.url)
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM accounts")
                    cursor.fetchall()
                self.waits.append(time.monotonic() - started)
                time.sleep(0.02)
        finally:
            connection.close()


def wait_for_line(run: subprocess.Popen[str], text: str) -> str:
    """Read ``run``'s stderr up to the first line holding ``text``; return what was read."""
    assert run.stderr is not None
    read = []
    for line in run.stderr:
        read.append(line)
        if text in line:
            break
    return "".join(read)


def migrated_to_r1(project: Project, database: ServerDatabase) -> None:
    write_accounts_history(project)
    completed = project.run("inv", "db.upgrade", "-r", "r1", env={"DATABASE_URL": database.url})
    assert completed.returncode == 0, completed.stderr


def test_a_blocked_migration_gives_up_naming_the_holder_and_queries_wait_at_most_a_timeout(
    project: Project, database: ServerDatabase
) -> None:
    # Then, with the holder gone, the give-up is not remembered as a failure that would recur:
    # status said "the last upgrade from here failed at revision r2 (LockNotAvailable...), and
    # `inv db.upgrade` would fail the same way: fix the data".
    migrated_to_r1(project, database)
    holder = Holder(database).take()
    probe = Probe(database)
    probing = threading.Thread(target=probe.run)
    try:
        if database.kind != "sqlite":
            probing.start()
        env = {"DATABASE_URL": database.url, "DDL_LOCK_TIMEOUT": str(LOCK_TIMEOUT)}
        completed = project.run("inv", "db.upgrade", env=env)
    finally:
        probe.stop.set()
        if probing.is_alive():
            probing.join()
        holder.release()
    assert completed.returncode == 75, completed.stderr
    line = one_error_line(completed.stderr)
    if database.kind == "sqlite":
        # SQLite waits at the run's first BEGIN, before it knows which migration comes next.
        assert "the migration run gave up waiting for a lock after 5 attempts" in line
        assert "another connection held the write lock on the SQLite file" in line
        assert "the database is at r1" in line
    elif database.kind == "postgresql":
        assert "migration r2 (Add a note to accounts) gave up waiting for a lock" in line
        assert "rolled back; the database is still at r1" in line
        assert f"PostgreSQL pid {holder.session} (user " in line
        assert "application 'report holder', idle in transaction" in line
        assert "query: SELECT * FROM accounts" in line
    else:
        assert "migration r2 (Add a note to accounts) gave up waiting for a lock" in line
        assert f"MariaDB connection id {holder.session} (user root" in line
        assert "r2 had changed nothing when it stopped; the database is still at r1" in line
    assert database.revisions() == {"r1"}
    if database.kind != "sqlite":
        # Each probe queued behind an attempt's ALTER at most that attempt's lock timeout.
        longest = max(SCALES) * (LOCK_TIMEOUT if database.kind == "postgresql" else 1)
        assert probe.waits and max(probe.waits) < longest + MARGIN, probe.waits
    status = project.run("inv", "db.status", env=env)
    assert status.returncode == 2, status.stdout + status.stderr
    assert "would fail the same way" not in status.stdout
    assert status.stdout.splitlines()[-1] == "status:  pending migrations: run `inv db.upgrade`"
    assert project.run("inv", "db.upgrade", env=env).returncode == 0


@pytest.mark.parametrize("engine", ["blocking", "asyncio"])
def test_a_blocked_migration_succeeds_once_the_holder_ends(
    request: pytest.FixtureRequest, database: ServerDatabase, engine: str
) -> None:
    service = request.getfixturevalue("async_project" if engine == "asyncio" else "project")
    # The asyncio service picks its own driver for the URL.
    url = re.sub(r"\+\w+:", ":", database.url) if engine == "asyncio" else database.url
    migrated_to_r1(service, ServerDatabase(database.kind, url))
    holder = Holder(database).take()
    env = {"DATABASE_URL": url, "DDL_LOCK_TIMEOUT": str(LOCK_TIMEOUT)}
    run = service.start("inv", "db.upgrade", **env)
    try:
        # The holder ends once the first attempt has timed out, as a report query would.
        logged = wait_for_line(run, "A lock wait timed out (attempt 1 of 5")
    finally:
        holder.release()
    rest, errors = run.communicate(timeout=120)
    completed = subprocess.CompletedProcess(run.args, run.returncode, rest, logged + errors)
    assert completed.returncode == 0, completed.stderr
    assert "A lock wait timed out (attempt 1 of 5" in completed.stderr
    assert database.revisions() == {"r2"}
    assert "note" in database.columns("accounts")


def test_deploy_command_gives_up_with_exit_code_75(project: Project, tmp_path) -> None:
    database = ServerDatabase("sqlite", f"sqlite:///{(tmp_path / 'deploy.db').as_posix()}")
    migrated_to_r1(project, database)
    holder = Holder(database).take()
    try:
        env = {"DATABASE_URL": database.url, "DDL_LOCK_TIMEOUT": "0.1"}
        completed = project.run("python", "-m", "app.migrations", "upgrade", env=env)
    finally:
        holder.release()
    assert completed.returncode == 75, completed.stderr
    line = one_error_line(completed.stderr)
    assert line.startswith("error: upgrade failed: the migration run gave up waiting for a lock")
    assert "the database is at r1" in line


@only_on("mysql", why="only MySQL/MariaDB cannot roll a migration's DDL back")
def test_a_mariadb_migration_that_ran_a_statement_is_not_retried(
    project: Project, database: ServerDatabase
) -> None:
    first_then_blocked = '    op.create_table("audit", sa.Column("id", sa.Integer()))\n' + ADD_NOTE
    write_accounts_history(project, first_then_blocked)
    completed = project.run("inv", "db.upgrade", "-r", "r1", env={"DATABASE_URL": database.url})
    assert completed.returncode == 0, completed.stderr
    holder = Holder(database).take()
    try:
        env = {"DATABASE_URL": database.url, "DDL_LOCK_TIMEOUT": str(LOCK_TIMEOUT)}
        completed = project.run("inv", "db.upgrade", env=env)
    finally:
        holder.release()
    assert completed.returncode == 1, completed.stderr
    assert "A lock wait timed out" not in completed.stderr
    assert "Lock wait timeout exceeded" in completed.stderr
    assert "r2 is half-applied" in completed.stderr


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_offline_sql_carries_the_timeouts_each_revision_runs_under(
    project: Project, kind: str
) -> None:
    override = "\n\nddl_lock_timeout = 10\n"
    write_accounts_history(project, extra=override)
    url = {"postgresql": "postgresql://u@localhost/db", "mysql": "mysql://u@localhost/db"}[kind]
    env = {"DATABASE_URL": url, "DDL_STATEMENT_TIMEOUT": "600"}
    completed = project.run("inv", "db.upgrade", "--sql", "-r", "base:r2", env=env)
    assert completed.returncode == 0, completed.stderr
    sql = completed.stdout
    if kind == "postgresql":
        first, second = sql.split("-- Running upgrade r1 -> r2")
        assert "SET LOCAL lock_timeout = '2000ms';" in first
        assert "SET LOCAL statement_timeout = '600000ms';" in first
        assert "SET LOCAL lock_timeout = '10000ms';" in second
        assert second.index("SET LOCAL lock_timeout") < second.index("ALTER TABLE accounts")
    else:
        first, second = sql.split("-- Running upgrade r1 -> r2")
        assert "SET SESSION lock_wait_timeout = 2, innodb_lock_wait_timeout = 2;" in first
        assert "SET SESSION max_statement_time = 600;" in first
        assert "SET SESSION lock_wait_timeout = 10, innodb_lock_wait_timeout = 10;" in second


def test_a_lock_timeout_that_is_not_a_number_fails_in_one_line(project: Project) -> None:
    write_accounts_history(project)
    completed = project.run("inv", "db.upgrade", env={"DDL_LOCK_TIMEOUT": "soon"})
    assert completed.returncode == 1
    line = one_error_line(completed.stderr)
    assert "DDL_LOCK_TIMEOUT='soon' (from environment) is not a number of seconds" in line


def offline_lock_timeout(project: Project, **env: str) -> str:
    """The lock timeout `inv db.upgrade --sql` on PostgreSQL sets for r1."""
    env = {"DATABASE_URL": "postgresql://u@localhost/db", **env}
    completed = project.run("inv", "db.upgrade", "--sql", "-r", "base:r1", env=env)
    assert completed.returncode == 0, completed.stderr
    found = re.search(r"SET LOCAL lock_timeout = '(\d+)ms';", completed.stdout)
    return found.group(1) if found else "none"


def test_the_wiring_sets_the_project_lock_timeout_and_invoke_yaml_and_the_environment_win(
    project: Project,
) -> None:
    write_accounts_history(project)
    assert offline_lock_timeout(project) == "2000"
    wiring = project.path / "app" / "migrations" / "__init__.py"
    source = wiring.read_text().replace(
        "    __name__,\n", "    __name__,\n    ddl_lock_timeout=5,\n"
    )
    wiring.write_text(source)
    assert offline_lock_timeout(project) == "5000"
    (project.path / "invoke.yaml").write_text("db:\n  ddl_lock_timeout: 7\n")
    assert offline_lock_timeout(project) == "7000"
    assert offline_lock_timeout(project, DDL_LOCK_TIMEOUT="0.5") == "500"
    assert offline_lock_timeout(project, DDL_LOCK_TIMEOUT="off") == "none"


@only_on("postgresql", "mysql", why="SQLite has no statement timeout")
def test_the_optional_statement_timeout_stops_a_long_statement_without_retrying_it(
    project: Project, database: ServerDatabase
) -> None:
    sleep = {"postgresql": "SELECT pg_sleep(3)", "mysql": "SELECT SLEEP(3)"}[database.kind]
    write_accounts_history(project, f'    op.execute("{sleep}")')
    env = {"DATABASE_URL": database.url, "DDL_STATEMENT_TIMEOUT": "0.3"}
    completed = project.run("inv", "db.upgrade", env=env)
    assert completed.returncode == 1, completed.stderr
    assert "migration r2 (Add a note to accounts) failed in upgrade()" in completed.stderr
    assert ("statement timeout" if database.kind == "postgresql" else "max_statement_time") in (
        completed.stderr
    )
    assert "A lock wait timed out" not in completed.stderr
    assert database.revisions() == {"r1"}


def test_a_lock_timeout_of_zero_is_refused_as_ambiguous(project: Project) -> None:
    write_accounts_history(project)
    completed = project.run("inv", "db.upgrade", env={"DDL_LOCK_TIMEOUT": "0"})
    assert completed.returncode == 1
    line = one_error_line(completed.stderr)
    assert "DDL_LOCK_TIMEOUT='0' (from environment) is ambiguous" in line
    assert "`off` to let migrations wait for locks without a limit" in line


@only_on("mysql", why="only MySQL/MariaDB keep the settings on the session, across revisions")
def test_a_revision_that_changes_a_timeout_itself_leaves_the_next_one_under_its_own(
    project: Project, database: ServerDatabase
) -> None:
    # Settings in force are not sent again before each revision; one a migration changes is.
    own_setting = '\n    op.execute("SET SESSION max_statement_time = 0")'
    project.write_revision(
        "r1_accounts.py", revision_source("r1", None, CREATE_ACCOUNTS + own_setting)
    )
    project.write_revision(
        "r2_sleep.py", revision_source("r2", "r1", '    op.execute("SELECT SLEEP(3)")')
    )
    env = {"DATABASE_URL": database.url, "DDL_STATEMENT_TIMEOUT": "0.3"}
    completed = project.run("inv", "db.upgrade", env=env)
    assert completed.returncode == 1, completed.stderr
    assert "max_statement_time" in completed.stderr, completed.stderr
    assert database.revisions() == {"r1"}


def test_deadlocks_timeouts_and_lost_connections_are_passing_conditions_and_data_is_not() -> None:
    # What runtime/_state_after_failure.py keeps no failed upgrade for: the next run may pass.
    import psycopg
    import pymysql
    from sqlalchemy.exc import OperationalError

    from alembic_steward.runtime._transient_errors import says_a_passing_condition

    def wrapped(error: Exception) -> OperationalError:
        return OperationalError("ALTER TABLE accounts ADD COLUMN note text", {}, error)

    passing = [
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock"),
        pymysql.err.OperationalError(2013, "Lost connection to server during query"),
        sqlite3.OperationalError("database is locked"),
    ]
    assert all(says_a_passing_condition(wrapped(error)) for error in passing)
    data = psycopg.errors.NotNullViolation('column "note" contains null values')
    assert not says_a_passing_condition(wrapped(data))
    assert not says_a_passing_condition(RuntimeError("a revision's own check"))
