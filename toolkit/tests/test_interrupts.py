"""Ctrl-C stops a migration promptly in sync and async services, under `inv` and raw `alembic`,
and never turns a migration that ran to its end into a half-applied one (docs/failures.md)."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import time

import pytest
from failures import SLEEPING, stopped_once_started, write_revision
from project import Project
from servers import DATABASE_KINDS, ServerDatabase, only_on, scratch_databases
from stalling_proxy import StallingProxy

# Sends itself SIGINT as Alembic records the migration, after its last statement has run.
INTERRUPTS_ITS_BOOKKEEPING = """\
    import os
    import signal

    op.create_table("finished", sa.Column("id", sa.Integer, primary_key=True))

    def interrupt_bookkeeping(connection, cursor, statement, *args):
        if "alembic_version" in statement and not interrupt_bookkeeping.sent:
            interrupt_bookkeeping.sent = True
            os.kill(os.getpid(), signal.SIGINT)

    interrupt_bookkeeping.sent = False
    sa.event.listen(op.get_bind(), "before_cursor_execute", interrupt_bookkeeping)"""
# Says it started, then waits in the server, in a statement of its own.
ONE_TABLE = '    op.create_table("one", sa.Column("id", sa.Integer, primary_key=True))'
SLEEPING_IN_THE_SERVER = """\
    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
    print("started", flush=True)
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.execute("SELECT pg_sleep(60)" if postgresql else "SELECT SLEEP(60)")"""
# Sleeps only where it is built in a scratch database (named so): the live upgrade is quick.
SLEEPING_IN_A_SCRATCH_BUILD = """\
    import os
    import time

    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
    if "scratch" in os.path.basename(op.get_bind().engine.url.database):
        print("started", flush=True)
        time.sleep(3600)"""
# Says it started, then runs one SQLite statement that never ends on its own: only an
# interrupt of the statement itself stops it, as SQLite runs it inside the process.
COUNTING_IN_SQLITE = """\
    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
    print("started", flush=True)
    op.execute(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )"""
# Has the event loop cancel the run while SQLite runs its statement (for seconds): what a signal
# raised in the loop did, as asyncio.run's clean-up cancelled the run.
CANCELLED_IN_A_STATEMENT = """\
    import asyncio

    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
    asyncio.get_running_loop().call_later(0.5, asyncio.current_task().cancel)
    op.execute(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 50000000)"
        " SELECT count(*) FROM c"
    )"""
# Far beyond a busy machine's delay, far below what a run the signal did not stop takes.
SQLITE_STOP_SECONDS = 30
COMMANDS = {
    "inv": ("inv", "db.upgrade"),
    "alembic": ("alembic", "upgrade", "head"),
    "deploy": ("python", "-m", "app.migrations", "upgrade"),
}


@pytest.fixture(params=["sync", "async"])
def any_project(request) -> Project:
    """A fresh copy of the fixture service, blocking and asyncio."""
    return request.getfixturevalue("project" if request.param == "sync" else "async_project")


# The grids below cover every pair of their values, not every combination (half of those):
# each runner on each database, each service on each database and under each runner. A runner
# and a service meet the database through the same code whatever the third value is.
ON_EVERY_DATABASE = [
    ("sqlite", "sync", "inv"),
    ("sqlite", "async", "alembic"),
    ("sqlite", "sync", "deploy"),
    ("postgresql", "async", "inv"),
    ("postgresql", "sync", "alembic"),
    ("postgresql", "async", "deploy"),
    ("mysql", "sync", "inv"),
    ("mysql", "async", "alembic"),
    ("mysql", "async", "deploy"),
]
ON_EVERY_SERVER = [
    ("postgresql", "sync", "inv"),
    ("postgresql", "async", "alembic"),
    ("postgresql", "sync", "deploy"),
    ("mysql", "async", "inv"),
    ("mysql", "sync", "alembic"),
    ("mysql", "async", "deploy"),
]
ON_EVERY_SERVER_INV_AND_DEPLOY = [
    ("postgresql", "sync", "inv"),
    ("postgresql", "async", "deploy"),
    ("mysql", "async", "inv"),
    ("mysql", "sync", "deploy"),
]
# On SQLite alone: each signal under each runner, each in both services.
EVERY_SIGNAL = [
    ("sync", "inv", signal.SIGINT),
    ("async", "inv", signal.SIGTERM),
    ("async", "alembic", signal.SIGINT),
    ("sync", "alembic", signal.SIGTERM),
    ("sync", "deploy", signal.SIGINT),
    ("async", "deploy", signal.SIGTERM),
]


def pairwise(cases: list[tuple]) -> pytest.MarkDecorator:
    """Parametrise a test taking ``database``, ``any_project`` and ``runner`` with ``cases``."""
    return pytest.mark.parametrize(
        ("database", "any_project", "runner"), cases, indirect=["database", "any_project"]
    )


def plain_url(database: ServerDatabase) -> str:
    """The database's URL without a driver, so each service picks its own (blocking, asyncio)."""
    scheme, rest = database.url.split("://", 1)
    return f"{scheme.split('+')[0]}://{rest}"


def after_first(project: Project, revision: str, upgrade: str) -> None:
    """Write an empty first revision and ``revision`` after it, with ``upgrade`` as its body."""
    write_revision(project, "first", None, "    pass")
    write_revision(project, revision, "first", upgrade)


def interrupted_promptly(
    project: Project,
    database: ServerDatabase,
    runner: str,
    *,
    in_the_server: bool = False,
    signal_number: int = signal.SIGINT,
) -> str:
    """Start the run, send ``signal_number`` once the migration says it started (and,
    ``in_the_server``, once the server shows its statement running), check that the signal
    ended the run with its exit code (130, 143) and no traceback; return its stderr."""

    def waited(running: subprocess.Popen[str]) -> None:
        if in_the_server:
            wait_for_the_sleeping_statement(database, running)

    code, stderr = stopped_once_started(
        project,
        COMMANDS[runner],
        signal_number,
        while_running=waited,
        DATABASE_URL=plain_url(database),
    )
    assert code == {signal.SIGINT: 130, signal.SIGTERM: 143}[signal_number], stderr
    assert "Traceback" not in stderr
    return stderr


def wait_for_the_sleeping_statement(database: ServerDatabase, running: subprocess.Popen) -> None:
    """Return once the server runs the migration's SLEEP, however long the run takes to send it."""
    if database.kind == "postgresql":
        sql = (
            "SELECT 1 FROM pg_stat_activity WHERE state = 'active'"
            " AND query LIKE 'SELECT pg_sleep%' AND pid <> pg_backend_pid()"
            " AND datname = current_database()"  # another run on the server may sleep too
        )
    else:
        sql = (
            "SELECT 1 FROM information_schema.processlist"
            " WHERE info LIKE 'SELECT SLEEP%' AND id <> CONNECTION_ID() AND db = DATABASE()"
        )
    while not database.query(sql):
        assert running.poll() is None, "the run ended before its statement reached the server"
        time.sleep(0.05)


@pairwise(ON_EVERY_DATABASE)
def test_ctrl_c_stops_a_migration_promptly_and_says_what_it_left(
    any_project: Project, database: ServerDatabase, runner: str
) -> None:
    after_first(any_project, "slow", SLEEPING)
    stderr = interrupted_promptly(any_project, database, runner)
    if database.kind == "mysql":
        # Read after the stop: the table it made remains, and its revision is not recorded.
        state = (
            "MySQL/MariaDB cannot roll DDL back; slow is half-applied: the database is still at"
            " first, and differs from what first builds by: unexpected table slow"
        )
    else:
        state = "rolled back; the database is still at first"
    assert f"error: SIGINT stopped migration slow; {state}" in stderr, stderr
    assert database.revisions() == {"first"}


def test_sigterm_stops_a_deploy_upgrade_in_one_line_saying_what_it_left(
    project: Project, database: ServerDatabase
) -> None:
    # Kubernetes stops a migration Job's pod with SIGTERM; the pod's log must say what it left.
    after_first(project, "slow", SLEEPING)
    stderr = interrupted_promptly(project, database, "deploy", signal_number=signal.SIGTERM)
    if database.kind == "mysql":
        state = "MySQL/MariaDB cannot roll DDL back; slow is half-applied"
    else:
        state = "rolled back; the database is still at first"
    (line,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert line.startswith(f"error: SIGTERM stopped migration slow; {state}"), stderr
    assert database.revisions() == {"first"}


@pairwise(ON_EVERY_DATABASE)
def test_migration_that_ran_to_its_end_is_never_reported_half_applied(
    any_project: Project, database: ServerDatabase, runner: str
) -> None:
    after_first(any_project, "second", INTERRUPTS_ITS_BOOKKEEPING)
    url = plain_url(database)
    completed = any_project.run(*COMMANDS[runner], env={"DATABASE_URL": url})
    assert completed.returncode == 130, completed.stderr
    assert "Traceback" not in completed.stderr
    stopped = "`python -m app.migrations upgrade`" if runner == "deploy" else "the task"
    assert (
        f"error: SIGINT stopped {stopped}; each finished migration stays applied: the database"
        " is at second"
    ) in completed.stderr
    assert database.revisions() == {"second"}
    status = any_project.run("inv", "db.status", env={"DATABASE_URL": url})
    assert "half-applied" not in status.stdout + status.stderr
    assert status.returncode != 7, status.stdout


# SQLite runs statements in the process itself: the test above covers it.
@pairwise(ON_EVERY_SERVER)
def test_ctrl_c_while_the_server_runs_a_statement_ends_in_one_line(
    any_project: Project, database: ServerDatabase, runner: str
) -> None:
    # In an async service the signal then arrives in the event loop, not in the migration's code.
    after_first(any_project, "slow", SLEEPING_IN_THE_SERVER)
    stderr = interrupted_promptly(any_project, database, runner, in_the_server=True)
    (line,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert line.startswith("error: SIGINT stopped"), stderr
    assert "first" in database.revisions() or database.kind == "mysql"


# SQLite runs the statement in the process: tested below.
@pairwise(ON_EVERY_SERVER_INV_AND_DEPLOY)
def test_ctrl_c_stops_the_statement_on_the_server_before_saying_what_it_left(
    any_project: Project, database: ServerDatabase, runner: str
) -> None:
    # The signal ends the client; on MariaDB not the server's statement, which the run must stop
    # too (KILL QUERY), else its line describes a schema the statement goes on changing.
    # PostgreSQL's driver cancels the statement itself: checked here all the same.
    after_first(any_project, "slow", SLEEPING_IN_THE_SERVER)
    stderr = interrupted_promptly(any_project, database, runner, in_the_server=True)
    if database.kind == "mysql":
        sleeping = (
            "SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP%'"
            " AND db = DATABASE() AND id <> CONNECTION_ID()"
        )
        state = (
            "MySQL/MariaDB cannot roll DDL back; slow is half-applied: the database is still at"
            " first, and differs from what first builds by: unexpected table slow"
        )
    else:
        sleeping = (
            "SELECT pid FROM pg_stat_activity WHERE state = 'active'"
            " AND query LIKE 'SELECT pg_sleep%' AND datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        state = "rolled back; the database is still at first"
    assert not database.query(sleeping), stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert line.startswith(f"error: SIGINT stopped migration slow; {state}"), stderr


# Commits its new column itself, then waits in the server (not in a scratch build, which
# status runs it in); its UPDATE never runs if stopped.
COMMITS_THEN_SLEEPS = """\
    op.add_column("one", sa.Column("half", sa.Integer))
    op.execute("COMMIT")
    if "scratch" not in op.get_bind().engine.url.database:
        print("started", flush=True)
        op.execute("SELECT pg_sleep(60)")
    op.execute("UPDATE one SET half = 2")"""


@only_on("postgresql", why="MySQL/MariaDB's stopped run leaves its mark; SQLite has no COMMIT path")
def test_status_after_ctrl_c_stopped_a_run_that_committed_part_never_advises_its_stamp(
    project: Project, database: ServerDatabase
) -> None:
    # The schema is exactly what `half` builds, but its UPDATE never ran: stamping it would
    # record unrun work as done. The stopped run is remembered as a failed one is.
    write_revision(project, "first", None, ONE_TABLE)
    write_revision(project, "half", "first", COMMITS_THEN_SLEEPS)
    stderr = interrupted_promptly(project, database, "inv", in_the_server=True)
    assert "half had committed part of its work" in stderr, stderr
    for task in ("db.status", "db.check"):
        run = project.run("inv", task, env={"DATABASE_URL": database.url})
        said = run.stdout + run.stderr
        assert "one.half" in said, said
        assert "stamp -r half" not in said and "stamped wrongly" not in said, said
        # Tried on a scratch database made like this one: the column is in the way.
        assert "fails at revision half" in said, said
        assert "`ALTER TABLE one DROP COLUMN half`" in said, said
    # Undone by hand, it is plainly pending: a stopped run need not fail again.
    database.query("ALTER TABLE one DROP COLUMN half")
    status = project.run("inv", "db.status", env={"DATABASE_URL": database.url})
    assert status.returncode == 2, status.stdout + status.stderr
    assert "would fail the same way" not in status.stdout, status.stdout


@only_on("mysql", why="only MySQL/MariaDB's server goes on with the statement of a stopped run")
def test_a_statement_that_cannot_be_stopped_is_said_to_be_maybe_running_not_described(
    project: Project, database: ServerDatabase
) -> None:
    # The network to the server stalls before the Ctrl-C: nothing can stop the statement or read
    # the schema it is changing, so the line says it may still run, and how to find out.
    after_first(project, "slow", SLEEPING_IN_THE_SERVER)
    with StallingProxy.to(database.url) as proxy:

        def stall_then_stop(running: subprocess.Popen[str]) -> None:
            wait_for_the_sleeping_statement(database, running)
            proxy.stall()
            proxy.hold_new = True

        code, stderr = stopped_once_started(
            project,
            COMMANDS["inv"],
            while_running=stall_then_stop,
            DATABASE_URL=proxy.url_through(plain_url(database)),
            # Each read through the stalled network waits this long: long enough for the
            # statement to be seen running before the stall, short enough not to wait minutes.
            DATABASE_CONNECT_TIMEOUT="1",
            DATABASE_READ_TIMEOUT="4",
        )
    assert code == 130, stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert line.startswith(
        "error: SIGINT stopped migration slow; slow's statement may still be running on the"
        " server (it could not be stopped ("
    ), line
    assert line.endswith("wait for it to end, then check with `inv db.status`"), line
    assert "half-applied" not in line and "differs" not in line, line


@only_on("sqlite", why="SQLite runs the statement in the process: only an interrupt stops it")
@pytest.mark.parametrize(
    ("any_project", "runner", "signal_number"),
    EVERY_SIGNAL,
    indirect=["any_project"],
    ids=[f"{service}-{runner}-{number.name}" for service, runner, number in EVERY_SIGNAL],
)
def test_a_signal_interrupts_a_running_sqlite_statement_and_reads_the_state_after(
    any_project: Project, database: ServerDatabase, signal_number: int, runner: str
) -> None:
    # In an async service the statement runs on aiosqlite's thread while the event loop waits.
    after_first(any_project, "slow", COUNTING_IN_SQLITE)
    running = any_project.start(*COMMANDS[runner], DATABASE_URL=plain_url(database))
    try:
        assert running.stdout is not None
        assert running.stdout.readline().strip() == "started"
        time.sleep(0.5)  # into the statement: it starts at once, and never ends
        running.send_signal(signal_number)
        _, stderr = running.communicate(timeout=SQLITE_STOP_SECONDS)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert running.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[signal_number], stderr
    name = signal.Signals(signal_number).name
    (line,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert line.startswith(
        f"error: {name} stopped migration slow; rolled back; the database is still at first"
    ), stderr
    assert database.revisions() == {"first"}


@only_on("sqlite", why="a SQLite connection closed with a statement held keeps its lock")
@pytest.mark.parametrize("runner", list(COMMANDS))
def test_a_cancelled_async_sqlite_run_is_rolled_back_on_its_own_connection_before_the_read(
    async_project: Project, database: ServerDatabase, runner: str
) -> None:
    # SQLAlchemy used to close the cancelled run's connection without a rollback: its write lock
    # outlived it, and the state read waited the 30 s busy timeout and said "database is locked".
    after_first(async_project, "slow", CANCELLED_IN_A_STATEMENT)
    running = async_project.start(*COMMANDS[runner], DATABASE_URL=plain_url(database))
    try:
        _, stderr = running.communicate(timeout=SQLITE_STOP_SECONDS)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert running.returncode != 0, stderr
    assert "rolled back; the database is still at first" in stderr, stderr
    assert "unknown" not in stderr, stderr
    assert database.revisions() == {"first"}


@pytest.mark.parametrize(
    ("cases", "values"),
    [
        (ON_EVERY_DATABASE, [DATABASE_KINDS, ["sync", "async"], list(COMMANDS)]),
        (ON_EVERY_SERVER, [["postgresql", "mysql"], ["sync", "async"], list(COMMANDS)]),
        (
            ON_EVERY_SERVER_INV_AND_DEPLOY,
            [["postgresql", "mysql"], ["sync", "async"], ["inv", "deploy"]],
        ),
        (EVERY_SIGNAL, [["sync", "async"], list(COMMANDS), [signal.SIGINT, signal.SIGTERM]]),
    ],
    ids=["every-database", "every-server", "servers-inv-deploy", "every-signal"],
)
def test_each_grid_runs_every_pair_of_its_values(cases: list[tuple], values: list[list]) -> None:
    for first, second in itertools.combinations(range(len(values)), 2):
        run = {(case[first], case[second]) for case in cases}
        missing = set(itertools.product(values[first], values[second])) - run
        assert not missing, missing


if sys.platform == "win32":  # pragma: no cover - signals are POSIX here
    pytestmark = pytest.mark.skip("POSIX only")


# SIGINT and SIGTERM as bits of /proc's signal masks.
STOP_BITS = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))


def helper_threads_blocking(pid: int) -> dict[str, bool]:
    """Each thread of ``pid`` but the main one, by name: whether it blocks SIGINT and SIGTERM."""
    from pathlib import Path

    blocking = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        if int(task.name) == pid:
            continue
        status = dict(line.split(":\t", 1) for line in (task / "status").read_text().splitlines())
        mask = int(status["SigBlk"], 16)
        blocking[f"{status['Name'].strip()} {task.name}"] = mask & STOP_BITS == STOP_BITS
    return blocking


@only_on("postgresql", "mysql", why="no helper thread watches a SQLite run")
def test_only_the_main_thread_takes_a_stop_signal(project: Project, database: ServerDatabase):
    # A helper thread taking the signal would leave the sleeping migration asleep: seen as a
    # Ctrl-C test waiting its whole 600-s deadline.
    after_first(project, "slow", SLEEPING)
    blocking: dict[str, bool] = {}
    code, stderr = stopped_once_started(
        project,
        COMMANDS["inv"],
        while_running=lambda running: blocking.update(helper_threads_blocking(running.pid)),
        DATABASE_URL=plain_url(database),
    )
    assert blocking and all(blocking.values()), blocking
    assert code == 130, stderr


def test_ctrl_c_during_a_scratch_build_says_the_database_is_untouched(
    project: Project, database: ServerDatabase
) -> None:
    # db.status rebuilds the database's revision in a scratch database; a signal there used to
    # report the scratch database's state as the database's (on MariaDB "half-applied", with
    # a stamp to an older revision as its advice).
    after_first(project, "slow", SLEEPING_IN_A_SCRATCH_BUILD)
    upgraded = project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url})
    assert upgraded.returncode == 0, upgraded.stderr
    database.query("ALTER TABLE slow ADD COLUMN nickname VARCHAR(20)")

    code, stderr = stopped_once_started(project, ("inv", "db.status"), DATABASE_URL=database.url)
    assert code == 130 and "Traceback" not in stderr, stderr
    line = [line for line in stderr.splitlines() if line.startswith("error: ")][-1]
    assert line == (
        "error: SIGINT stopped the task while it built a scratch database; no migration ran on"
        " the database: the database is at slow; the scratch database was removed"
    ), line
    assert scratch_databases(database) == set()
    assert database.revisions() == {"slow"}


# Loaded as invoke loads the project's tasks, before any task runs: says so, then takes its time.
# Slow in short sleeps: CPython runs a signal's handler between bytecodes, and a signal that
# lands after the last check but before one long sleep's system call starts is handled only
# when that sleep ends (time.sleep checks for signals on EINTR, not before it sleeps): with
# the signal sent the moment the line is read, one sleep(30) ran its 30 s now and then in CI.
SLOW_WIRING = """
import time

print("loading the wiring", flush=True)
for _ in range(300):
    time.sleep(0.1)
"""
# How SIGINT comes to `inv`: from a terminal, and ignored, as to a shell script's background job.
SIGINT_AT_START = {"terminal": signal.SIG_DFL, "background-job": signal.SIG_IGN}


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.3])
@pytest.mark.parametrize("started", list(SIGINT_AT_START))
def test_ctrl_c_before_the_task_starts_ends_inv_in_one_line(
    project: Project, started: str, delay: float
) -> None:
    # It was ignored by a background job until the task ran, which went on to its end, and
    # ended in a silent exit 1 (or an import's traceback) from a terminal.
    write_revision(project, "first", None, "    pass")
    project.inv("db.upgrade")
    wiring = project.path / "app" / "migrations" / "__init__.py"
    wiring.write_text(wiring.read_text() + SLOW_WIRING)
    # Exec'd afresh, not forked from the tests' zygote: its start-up is what is under test.
    exec_inv = (
        "import os, signal, sys;"
        f" signal.signal(signal.SIGINT, signal.{SIGINT_AT_START[started].name});"
        f" os.execv({project.executable('inv')!r}, ['inv', 'db.check'])"
    )
    running = project.start("python", "-c", exec_inv)
    try:
        assert running.stdout is not None
        assert running.stdout.readline().strip() == "loading the wiring"
        time.sleep(delay)
        sent = time.monotonic()
        running.send_signal(signal.SIGINT)
        _, stderr = running.communicate(timeout=60)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    # The wiring takes 30 s: ending well before that is ending at the signal, even on a
    # loaded machine.
    waited = time.monotonic() - sent
    assert waited < 20, f"it ran on for {waited:.1f} s after the signal"
    assert running.returncode == 130, stderr
    assert stderr.splitlines() == [
        "error: SIGINT stopped inv before its task started; nothing ran on the database"
    ], stderr


# Imported by the task as it compares the models: says so, then takes its time.
SLOW_MODELS = """
import time

print("started", flush=True)
time.sleep(3600)
"""


@pytest.mark.parametrize("command", ["db.check", "db.status"])
def test_ctrl_c_in_a_task_that_only_reads_says_nothing_ran(project: Project, command: str):
    # The line said "each finished migration stays applied", as after an upgrade.
    write_revision(project, "first", None, "    pass")
    project.inv("db.upgrade")
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + SLOW_MODELS)
    code, stderr = stopped_once_started(project, ("inv", command))
    assert code == 130 and "Traceback" not in stderr, stderr
    assert stderr.splitlines()[-1] == (
        "error: SIGINT stopped the task, which only reads the database: no migration ran and"
        " nothing changed; the database is at first"
    ), stderr
