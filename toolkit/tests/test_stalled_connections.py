"""A connection that stalls ends every command within its timeout, and frees the migration lock.

Through a proxy that stops forwarding but keeps its sockets open (stalling_proxy.py): at
connect time every command gives up after DATABASE_CONNECT_TIMEOUT / DATABASE_READ_TIMEOUT,
and mid-migration the run fails in the two lines of any failed migration while the server
ends its abandoned sessions after MIGRATION_IDLE_TIMEOUT, so the lock is free again.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from project import Project, revision_source
from servers import ServerDatabase, connect_admin, only_on
from stalling_proxy import StallingProxy

# Small timeouts keep the tests short; the defaults are minutes.
SMALL_TIMEOUTS = {
    "DATABASE_CONNECT_TIMEOUT": "2",
    "DATABASE_READ_TIMEOUT": "2",
    "MIGRATION_IDLE_TIMEOUT": "2",
}
# Far above any bounded wait here: a command still running then hangs.
HANG_SECONDS = 90
START_SERVICE = "import app; app.start_service(); print('started')"
# Creates a table, says so, waits for the test to stall the proxy, then sends a statement.
PAUSING_MIGRATION = """\
    import pathlib
    import time

    op.create_table("paused", sa.Column("id", sa.Integer, primary_key=True))
    folder = pathlib.Path(__file__).resolve().parents[3]
    (folder / "migration-ready").touch()
    for _ in range(600):
        if (folder / "proxy-stalled").exists():
            break
        time.sleep(0.05)
    op.execute("INSERT INTO paused (id) VALUES (1)")"""


SERVERS_ONLY = only_on("postgresql", "mysql", why="a SQLite database has no connection to stall")


def service_env(service: str, url: str) -> dict[str, str]:
    """The settings of a blocking service, or of an asyncio one (its drivers chosen by default)."""
    if service == "blocking":
        return {"DATABASE_URL": url, **SMALL_TIMEOUTS}
    plain = url.replace("+psycopg", "").replace("+pymysql", "")
    return {"DATABASE_URL": plain, "FIXTURE_ASYNC": "1", **SMALL_TIMEOUTS}


def finished(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    """Wait for ``process``; fail (killing it) if it is still waiting after HANG_SECONDS."""
    try:
        stdout, stderr = process.communicate(timeout=HANG_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise AssertionError(f"{process.args} hung:\n{stdout}{stderr}") from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def lock_is_free(database: ServerDatabase) -> bool:
    """Take and release the migration lock from the test process: True if it was free."""
    from alembic_steward.runtime._migration_lock_postgresql import POSTGRESQL_LOCK_KEY

    connection = connect_admin(database.kind, database.url)
    try:
        with connection.cursor() as cursor:
            if database.kind == "postgresql":
                cursor.execute("SELECT pg_try_advisory_lock(%s)", (POSTGRESQL_LOCK_KEY,))
                taken = cursor.fetchone()[0]
            else:
                name = f"alembic_migrations.{database.url.rsplit('/', 1)[1]}"
                cursor.execute("SELECT GET_LOCK(%s, 0)", (name,))
                taken = cursor.fetchone()[0] == 1
    finally:
        connection.close()  # frees whatever this session took
    return bool(taken)


@SERVERS_ONLY
@pytest.mark.parametrize("service", ["blocking", "asyncio"])
def test_a_stall_at_connect_time_ends_every_command_in_one_line(
    project: Project, database: ServerDatabase, service: str
) -> None:
    with StallingProxy.to(database.url, hold_new=True) as proxy:
        # No connection through it ever completes: the least timeouts tell as much as any.
        env = {
            **service_env(service, proxy.url_through(database.url)),
            "DATABASE_CONNECT_TIMEOUT": "1",
            "DATABASE_READ_TIMEOUT": "1",
        }
        commands = {
            "status": ("inv", "db.status"),
            "upgrade": ("inv", "db.upgrade"),
            "wait": ("inv", "db.wait", "--timeout", "1"),
            "deploy": ("python", "-m", "app.migrations", "upgrade"),
            "guard": ("python", "-c", START_SERVICE),
        }
        started = {name: project.start(*command, **env) for name, command in commands.items()}
        results = {name: finished(process) for name, process in started.items()}
    for name, completed in results.items():
        output = completed.stdout + completed.stderr
        assert completed.returncode != 0, (name, output)
        if name == "guard":
            # The service's own start-up: the exception it raises is one line.
            last = completed.stderr.strip().splitlines()[-1]
            assert "DatabaseUnreachable: cannot reach the database at " in last, output
            continue
        assert "Traceback" not in output, (name, output)
        errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, (name, output)
    assert results["wait"].stderr.startswith("error: gave up after 1 s waiting for ")


# Each driver on each server (SQLite has no connection to stall; timeouts are the driver's own),
# each command once: `inv` and the deploy command reach the driver through the same Python.
@pytest.mark.parametrize(
    ("database", "service", "command"),
    [
        ("postgresql", "blocking", ("inv", "db.upgrade")),
        ("postgresql", "asyncio", ("inv", "db.upgrade")),
        ("mysql", "blocking", ("python", "-m", "app.migrations")),
        ("mysql", "asyncio", ("inv", "db.upgrade")),
    ],
    indirect=["database"],
    ids=[
        "postgresql-blocking-inv",
        "postgresql-asyncio-inv",
        "mysql-blocking-deploy",
        "mysql-asyncio-inv",
    ],
)
def test_a_stall_mid_migration_fails_it_in_two_lines_and_the_server_frees_the_lock(
    project: Project, database: ServerDatabase, service: str, command: tuple[str, ...]
) -> None:
    source = revision_source("bbbb00000001", None, PAUSING_MIGRATION, message="Pause.")
    project.write_revision("bbbb00000001_pause.py", source)
    ready, stalled = project.path / "migration-ready", project.path / "proxy-stalled"
    arguments = (*command, "upgrade") if command[0] == "python" else command
    with StallingProxy.to(database.url) as proxy:
        run = project.start(*arguments, **service_env(service, proxy.url_through(database.url)))
        wait_for_file(ready, run)
        proxy.stall()
        stalled.touch()
        completed = finished(run)
        # The proxy keeps the stalled sockets open: only the server's timeouts end them.
        freed = eventually(lambda: lock_is_free(database), within=30)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "Traceback" not in output
    lines = [line for line in completed.stderr.splitlines() if not line.startswith("INFO")]
    timed_out = "no answer from the database server within 2 s, so the connection was closed"
    if command[0] == "inv":
        # Which migration failed where and why; then the state read from the database.
        assert len(lines) == 2, output
        assert lines[0].startswith("error: migration bbbb00000001 (Pause.) failed in upgrade()")
        assert timed_out in lines[0]
        assert "the database" in lines[1], output
    else:
        # The deploy command's one line for a failed migration: the same two parts.
        assert len(lines) == 1, output
        assert lines[0].startswith("error: upgrade failed: migration bbbb00000001 failed: ")
        assert timed_out in lines[0] and "the database is" in lines[0], output
    assert freed, "the migration lock was still held after the client gave up"


def wait_for_file(path: Path, process: subprocess.Popen[str]) -> None:
    for _ in range(HANG_SECONDS * 20):
        if path.exists():
            return
        if process.poll() is not None:
            raise AssertionError(f"the run ended first:\n{process.communicate()}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the migration never started")


def eventually(check, *, within: float) -> bool:
    """Ask ``check`` until it says True, for at most ``within`` seconds; its last answer."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)
    return True


@only_on(
    "mysql",
    why="read as a server's engine is bounded, before it connects: the same code on PostgreSQL;"
    " SQLite reads no timeout",
)
@pytest.mark.parametrize("value", ["0", "soon", "inf"])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused_in_one_line(
    project: Project, database: ServerDatabase, value: str
) -> None:
    env = {"DATABASE_URL": database.url, "DATABASE_READ_TIMEOUT": value}
    completed = project.inv("db.upgrade", code=1, env=env)
    assert completed.stderr == (
        f"error: DATABASE_READ_TIMEOUT={value!r} (from environment) is not a positive finite"
        " number of seconds; set it to e.g. 300\n"
    )
    assert database.revisions() == set()


@SERVERS_ONLY
def test_a_statement_may_outlast_the_connect_timeout_but_not_the_read_timeout(
    project: Project, database: ServerDatabase
) -> None:
    sleep = "SELECT pg_sleep(2)" if database.kind == "postgresql" else "SELECT SLEEP(2)"
    source = revision_source("dddd00000001", None, f"    op.execute({sleep!r})", message="Slow.")
    project.write_revision("dddd00000001_slow.py", source)
    env = {"DATABASE_URL": database.url, "DATABASE_CONNECT_TIMEOUT": "1"}
    project.inv("db.upgrade", env={**env, "DATABASE_READ_TIMEOUT": "8"})
    assert database.revisions() == {"dddd00000001"}
    project.inv("db.downgrade", "-r", "base", env=env)
    failed = project.inv("db.upgrade", code=1, env={**env, "DATABASE_READ_TIMEOUT": "1"})
    assert "no answer from the database server within 1 s, so the connection was closed" in (
        failed.stderr
    )
    assert "raise DATABASE_READ_TIMEOUT if a statement needs longer" in failed.stderr
