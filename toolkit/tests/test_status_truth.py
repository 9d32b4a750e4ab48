"""Status and the checks name a state no migration can move, with a way out that works.

A database stamped at a revision this checkout lacks, a half-applied MySQL/MariaDB run and a
history with several heads each end every task in one line that never advises a failing command.
"""

from __future__ import annotations

import json
import time

from project import Project, one_error_line
from servers import ServerDatabase, only_on
from stuck_states import (
    FAILING_AT_ONCE,
    FAILING_HALF_WAY,
    FIRST_TABLE,
    GO_ON,
    STARTED,
    WAITING_FOR_THE_TEST,
    branch_into_two_heads,
    start_lock_holder,
    write_revision,
)

UP_TO_DATE, PENDING, UNKNOWN_REVISION, HALF_APPLIED, EDITED_REVISION = 0, 2, 6, 7, 8
MIGRATION_RUNNING, SEVERAL_HEADS = 13, 4
FIRST, SECOND, ELSEWHERE = "cccc00000001", "cccc00000002", "eeee00000009"
NOTHING = "    pass"
# Every task that reads or moves the database's revision.
REVISION_TASKS = [
    ("db.upgrade",),
    ("db.downgrade",),
    ("db.current",),
    ("db.check",),
    ("db.plan",),
    ("db.redo",),
    ("db.revision", "-m", "Next"),
]


def inv(project: Project, database: ServerDatabase, *arguments: str):
    return project.run("inv", *arguments, env={"DATABASE_URL": database.url})


@only_on(
    "sqlite",
    "mysql",
    why="the same wording on every database; MySQL/MariaDB's half-applied mark is read besides",
)
def test_database_at_a_revision_this_checkout_lacks_is_named_by_every_task(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, NOTHING)
    assert inv(project, database, "db.upgrade").returncode == 0
    # What checking out a branch without the last applied revision looks like to the database.
    database.query(f"UPDATE alembic_version SET version_num = '{ELSEWHERE}'")

    for task in REVISION_TASKS:
        completed = inv(project, database, *task)
        code = UNKNOWN_REVISION if task == ("db.check",) else 1  # check: status's code
        assert completed.returncode == code, (task, completed.stdout, completed.stderr)
        error = one_error_line(completed.stderr)
        assert f"at revision {ELSEWHERE}, which this checkout" in error, task
        assert "inv db.stamp --purge -r REV" in error and "inv db.reset" in error, task
        assert "run `inv db.upgrade`" not in error, task
    status = inv(project, database, "db.status")
    assert status.returncode == UNKNOWN_REVISION
    assert f"at revision {ELSEWHERE}, which this checkout" in status.stdout
    assert database.revisions() == {ELSEWHERE}

    stamped = inv(project, database, "db.stamp", "--purge", "-r", FIRST)
    assert stamped.returncode == 0, stamped.stderr
    assert inv(project, database, "db.status").returncode == UP_TO_DATE


@only_on(
    "sqlite",
    "mysql",
    why="the same wording on every database; MySQL/MariaDB's half-applied mark is read besides",
)
def test_a_mistyped_revision_is_not_mistaken_for_the_databases_own(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, NOTHING)
    completed = inv(project, database, "db.upgrade", "-r", "nosuchrev")
    assert completed.returncode == 1
    error = one_error_line(completed.stderr)
    assert "'nosuchrev'" in error and "inv db.history" in error
    assert "this checkout's app/migrations/versions/ does not have" not in error


@only_on("mysql", why="SQLite and PostgreSQL roll a failed migration back; it leaves no mark")
def test_half_applied_mark_is_reported_with_its_own_code_never_as_pending(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, FIRST_TABLE)
    write_revision(project, SECOND, FIRST, FAILING_HALF_WAY)
    assert inv(project, database, "db.upgrade").returncode == 1

    status = inv(project, database, "db.status")
    assert status.returncode == HALF_APPLIED
    assert f"stopped after revision {FIRST}" in status.stdout
    assert "inv db.upgrade" not in status.stdout
    for task in [("db.current", "--check"), ("db.check",), ("db.plan",)]:
        completed = inv(project, database, *task)
        assert completed.returncode == (HALF_APPLIED if task == ("db.check",) else 1), task
        error = one_error_line(completed.stderr)
        assert f"stopped after revision {FIRST}" in error, task
        assert "inv db.clear-migration-mark" in error and "run `inv db.upgrade`" not in error


def test_migration_failing_before_any_statement_leaves_no_mark(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, FIRST_TABLE)
    write_revision(project, SECOND, FIRST, FAILING_AT_ONCE)
    failed = inv(project, database, "db.upgrade")
    assert failed.returncode == 1 and "fails before it changes anything" in failed.stderr
    assert database.revisions() == {FIRST}

    status = inv(project, database, "db.status")
    assert status.returncode == PENDING, status.stdout
    write_revision(project, SECOND, FIRST, NOTHING)
    completed = inv(project, database, "db.upgrade")
    assert completed.returncode == 0, completed.stderr
    assert database.revisions() == {SECOND}


def test_status_during_a_run_says_a_migration_is_running_and_advises_no_repair(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, FIRST_TABLE)
    assert inv(project, database, "db.upgrade").returncode == 0
    write_revision(project, SECOND, FIRST, WAITING_FOR_THE_TEST)
    run = project.start("inv", "db.upgrade", DATABASE_URL=database.url)
    try:
        deadline = time.monotonic() + 60
        while not (project.path / STARTED).exists() and run.poll() is None:
            assert time.monotonic() < deadline, "the migration never started"
            time.sleep(0.05)
        # Mid-run: on MySQL/MariaDB its mark and its first table are there, as a stopped run's.
        status = inv(project, database, "db.status")
        as_json = json.loads(inv(project, database, "db.status", "--json").stdout)
        checked = inv(project, database, "db.current", "--check")
    finally:
        (project.path / GO_ON).touch()
        _, upgrade_errors = run.communicate(timeout=60)
    assert run.returncode == 0, upgrade_errors
    assert status.returncode == MIGRATION_RUNNING, status.stdout
    verdict = status.stdout.strip().splitlines()[-1]
    assert verdict.startswith("status:  a migration is running now ("), verdict
    assert f"so far the database is at {FIRST}" in verdict
    assert "half-applied" not in status.stdout and "clear-migration-mark" not in status.stdout
    assert as_json["exit_code"] == MIGRATION_RUNNING and as_json["migration_running"]
    assert as_json["problem"].startswith("a migration is running now (")
    if database.kind == "mysql":  # elsewhere the run's first table is not committed yet
        assert "a migration is running now (" in one_error_line(checked.stderr)
    # Once it has ended, the status is what the run left.
    assert inv(project, database, "db.status").returncode != MIGRATION_RUNNING
    assert database.revisions() == {SECOND}


@only_on("mysql", why="SQLite and PostgreSQL roll a failed migration back; it leaves no mark")
def test_a_mark_whose_run_holds_the_lock_is_running_not_half_applied_and_is_not_cleared(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, FIRST_TABLE)
    write_revision(project, SECOND, FIRST, FAILING_HALF_WAY)
    inv(project, database, "db.upgrade")
    # From the database, what a run going on between two DDL statements looks like.
    holder = start_lock_holder(project, database.url)
    try:
        refused = inv(project, database, "db.clear-migration-mark")
        status = inv(project, database, "db.status")
        started = project.run(
            "python", "-c", "import app; app.start_service()", env={"DATABASE_URL": database.url}
        )
        waited = project.run(
            "python",
            "-m",
            "app.migrations",
            "wait",
            "--timeout",
            "1",
            env={"DATABASE_URL": database.url},
        )
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode == 1
    assert "holds the migration lock" in one_error_line(refused.stderr)
    assert status.returncode == MIGRATION_RUNNING, status.stdout
    assert "a migration is running now (MySQL connection id" in status.stdout
    assert "clear-migration-mark" not in status.stdout
    # The start-up guard refuses in the same words; `wait` waits for the run, not giving up.
    assert started.returncode == 1 and "a migration is running now (" in started.stderr
    assert "stopped half-way" not in started.stderr
    assert waited.returncode == 1
    assert waited.stderr.startswith("error: gave up after 1 s waiting"), waited.stderr
    assert "a migration is running now (" in waited.stderr
    assert inv(project, database, "db.status").returncode == HALF_APPLIED
    database.query("DROP TABLE second")  # undone by hand: the run has ended, the mark is left
    database.query("ALTER TABLE first DROP COLUMN extra")
    cleared = inv(project, database, "db.clear-migration-mark")
    assert cleared.returncode == 0 and f"after revision {FIRST}" in cleared.stdout


def test_with_several_heads_every_task_gives_the_same_advice(project: Project) -> None:
    # `db.lint` said run `inv db.rebase`, `db.status` and `db.check` run `inv db.merge`.
    branch_into_two_heads(project)
    verdict = project.inv("db.status", code=SEVERAL_HEADS).stdout.splitlines()[-1]
    advice = verdict.partition("several heads: ")[2]
    # Outside a git checkout `inv db.rebase` cannot run: the merge alone is advised.
    assert "db.rebase" not in advice and '`inv db.merge -m "Merge heads"`' in advice, verdict
    lint = one_error_line(project.inv("db.lint", "--all", code=1).stderr)
    assert advice in lint, lint
    for task in [
        ("db.upgrade",),
        ("db.check",),
        ("db.current", "--check"),
        ("db.plan",),
        ("db.revision", "-m", "Next"),
    ]:
        code = SEVERAL_HEADS if task == ("db.check",) else 1
        error = one_error_line(project.inv(*task, code=code).stderr)
        # One line, the toolkit's (shared with db.status), not Alembic's text with advice after.
        assert "the history has several heads (" in error, (task, error)
        assert advice in error and "Multiple head" not in error, (task, error)
        assert "run `inv db.upgrade`" not in error, (task, error)


def test_downgrade_from_a_merge_revision_names_the_parents(project: Project) -> None:
    left, right = branch_into_two_heads(project)
    project.inv("db.merge", "-m", "Merge heads")
    project.inv("db.upgrade")
    error = one_error_line(project.inv("db.downgrade", code=1).stderr)
    assert "merge revision" in error and left in error and right in error
    assert f"inv db.downgrade -r {min(left, right)}" in error
    project.inv("db.downgrade", "-r", min(left, right))
    assert set(project.inv("db.current").stdout.split()) >= {left, right}


@only_on(
    "sqlite",
    "mysql",
    why="checksums are compared in Python, read alike; MySQL/MariaDB's DDL commits mid-run",
)
def test_applied_revision_edited_since_is_reported_apart_from_model_drift(
    project: Project, database: ServerDatabase
) -> None:
    path = write_revision(project, FIRST, None, NOTHING)
    assert inv(project, database, "db.upgrade").returncode == 0
    # Layout, comments and docstrings are not edits: formatting a revision must not flag it.
    path.write_text(path.read_text() + "\n# reviewed\n")
    assert inv(project, database, "db.status").returncode == UP_TO_DATE
    reworded = path.read_text().replace(f"Status test revision {FIRST}.", "Reworded.")
    assert reworded != path.read_text()
    path.write_text(reworded)
    assert inv(project, database, "db.status").returncode == UP_TO_DATE

    path.write_text(path.read_text().replace(NOTHING, FIRST_TABLE))
    status = inv(project, database, "db.status")
    assert status.returncode == EDITED_REVISION
    assert f"edited:  {FIRST}" in status.stdout and "db.revision" not in status.stdout
    # The models match the live database, not what the edited files build: no "none" claimed.
    not_compared = "not compared while applied revisions are edited (see edited)"
    assert f"drift:   {not_compared}" in status.stdout, status.stdout
    document = json.loads(inv(project, database, "db.status", "--json").stdout)
    assert document["drift"] is None and document["drift_not_compared"] == not_compared
    check = inv(project, database, "db.check")
    assert check.returncode == EDITED_REVISION
    error = one_error_line(check.stderr)
    assert f"applied revision(s) {FIRST} were edited" in error and "db.revision" not in error
    assert "alembic_revision_checksums" in database.tables()


@only_on(
    "sqlite",
    "mysql",
    why="checksums are compared in Python, read alike; MySQL/MariaDB's DDL commits mid-run",
)
def test_an_older_format_checksum_is_trusted_where_this_python_reproduces_it(
    project: Project, database: ServerDatabase
) -> None:
    path = write_revision(project, FIRST, None, NOTHING)
    assert inv(project, database, "db.upgrade").returncode == 0
    # What the toolkit recorded before its checksums were the same under every Python.
    first_format = project.run(
        "python",
        "-c",
        "import sys; from alembic_steward._checksum_format import first_format_checksum;"
        " print(first_format_checksum(open(sys.argv[1], encoding='utf-8').read()))",
        str(path),
    ).stdout.strip()
    assert len(first_format) == 64
    database.query(f"UPDATE alembic_revision_checksums SET sha256 = '{first_format}'")
    assert inv(project, database, "db.status").returncode == UP_TO_DATE
    assert database.query("SELECT sha256 FROM alembic_revision_checksums") == [(first_format,)]

    # The next run rewrites it in the current format.
    write_revision(project, SECOND, FIRST, NOTHING)
    assert inv(project, database, "db.upgrade").returncode == 0
    rows = dict(database.query("SELECT revision, sha256 FROM alembic_revision_checksums"))
    assert rows[FIRST].startswith("v2:") and len(rows[FIRST]) == 64
    assert inv(project, database, "db.status").returncode == UP_TO_DATE


@only_on(
    "sqlite",
    "mysql",
    why="checksums are compared in Python, read alike; MySQL/MariaDB's DDL commits mid-run",
)
def test_an_older_format_checksum_this_python_cannot_reproduce_is_reported_until_accepted(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, NOTHING)
    assert inv(project, database, "db.upgrade").returncode == 0
    # As recorded by the first format under another Python: 64 hex digits this one cannot make.
    database.query(f"UPDATE alembic_revision_checksums SET sha256 = '{'0' * 64}'")

    status = inv(project, database, "db.status")
    assert status.returncode == EDITED_REVISION
    assert f"edited:  {FIRST}" in status.stdout
    (note,) = [line for line in status.stdout.splitlines() if line.startswith("note:")]
    assert "older format" in note and "git log -p" in note and "inv db.accept-checksums" in note
    check = inv(project, database, "db.check")
    assert check.returncode == EDITED_REVISION
    assert f"applied revision(s) {FIRST} were edited" in one_error_line(check.stderr)
    assert "inv db.accept-checksums" in one_error_line(check.stderr, prefix="note: ")

    accepted = inv(project, database, "db.accept-checksums")
    assert accepted.returncode == 0, accepted.stderr
    assert FIRST in accepted.stdout
    assert inv(project, database, "db.status").returncode == UP_TO_DATE
    again = inv(project, database, "db.accept-checksums")
    assert again.returncode == 0 and "nothing to accept" in again.stdout


def test_one_revision_id_in_two_files_is_named_by_every_task_instead_of_merge_advice(
    project: Project,
) -> None:
    # The history is read the same way whatever the database: SQLite stands for all three.
    first = write_revision(project, FIRST, None, NOTHING)
    project.inv("db.upgrade")
    copy = first.with_name("copy_of_first.py")
    copy.write_text(first.read_text())

    for task in [*REVISION_TASKS, ("db.status",), ("db.merge", "-m", "Merge"), ("db.heads",)]:
        error = one_error_line(project.inv(*task, code=1).stderr)
        assert f"revision id {FIRST} is declared by 2 files" in error, (task, error)
        assert first.name in error and copy.name in error and "new id" in error, (task, error)
        assert "inv db.merge" not in error, (task, error)
    deployed = project.run("python", "-m", "app.migrations", "upgrade")
    assert deployed.returncode == 1
    assert f"revision id {FIRST} is declared by 2 files" in one_error_line(deployed.stderr)


SLEEPING_IN_THE_SERVER = """\
    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute("SELECT pg_sleep(6)" if postgresql else "SELECT SLEEP(6)")"""
# In this test's database only: another run on the shared server may sleep too.
STILL_SLEEPING = {
    "postgresql": "SELECT 1 FROM pg_stat_activity WHERE state = 'active'"
    " AND query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()"
    " AND datname = current_database()",
    "mysql": "SELECT 1 FROM information_schema.processlist"
    " WHERE info LIKE 'SELECT SLEEP%' AND id <> CONNECTION_ID() AND db = DATABASE()",
}


@only_on("mysql", "postgresql", why="SQLite's statement ends with the process that sent it")
def test_a_killed_runs_statement_still_on_the_server_is_running_not_half_applied(
    project: Project, database: ServerDatabase
) -> None:
    """kill -9 frees the lock's idle session at once, while the server goes on with the run's
    statement: status must not advise repairing (MySQL/MariaDB's mark) or upgrading (the
    PostgreSQL run not rolled back yet) while it still changes the schema."""
    import signal

    write_revision(project, FIRST, None, FIRST_TABLE)
    write_revision(project, SECOND, FIRST, SLEEPING_IN_THE_SERVER)
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    run = project.start("inv", "db.upgrade", DATABASE_URL=database.url)
    sleeping = STILL_SLEEPING[database.kind]
    deadline = time.monotonic() + 60
    while not database.query(sleeping):
        assert run.poll() is None and time.monotonic() < deadline, "the SLEEP never started"
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    time.sleep(0.5)  # the lock's session is gone once the server has seen its socket close
    status = inv(project, database, "db.status")
    still_sleeping = bool(database.query(sleeping))
    assert still_sleeping, "the statement ended before status was read: make it sleep longer"
    assert status.returncode == MIGRATION_RUNNING, status.stdout + status.stderr
    assert (
        "clear-migration-mark" not in status.stdout and "run `inv db.upgrade`" not in status.stdout
    )
    assert "process stopped); so far the database is at" in status.stdout, status.stdout
    deadline = time.monotonic() + 30
    while database.query(sleeping):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(0.5)
    after = HALF_APPLIED if database.kind == "mysql" else PENDING  # PostgreSQL rolled it back
    assert inv(project, database, "db.status").returncode == after


@only_on(
    "sqlite",
    "mysql",
    why="checksums are compared in Python, read alike; MySQL/MariaDB's DDL commits mid-run",
)
def test_revisions_that_ran_are_listed_applied_when_the_database_is_at_an_unknown_revision(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, NOTHING)
    write_revision(project, SECOND, FIRST, NOTHING)
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query(f"UPDATE alembic_version SET version_num = '{ELSEWHERE}'")

    status = inv(project, database, "db.status")
    assert status.returncode == UNKNOWN_REVISION, status.stdout
    # Both ran here (their checksums are recorded): the version table's id alone is unknown.
    assert f"[applied]  {SECOND} (head)" in status.stdout, status.stdout
    assert f"[applied]  {FIRST}" in status.stdout, status.stdout
    assert "[pending]" not in status.stdout
    document = json.loads(inv(project, database, "db.status", "--json").stdout)
    assert {row["revision"]: row["applied"] for row in document["revisions"]} == {
        FIRST: True,
        SECOND: True,
    }
