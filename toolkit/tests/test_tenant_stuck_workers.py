"""A stop signal ends a fan-out within a bounded time, even when a worker does not stop.

A README-only tester's fan-out hung with both workers stuck (on a lock forked held:
tests/test_fork_safety.py), and SIGTERM to the parent did nothing: it passed the signal on and
then waited for its workers for ever. Now it waits for them a grace period, then kills those
still running and reports their tenants as their databases have them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from project import Project
from servers import connect_admin
from tenant_projects import make_tenant_project
from test_tenants import pg_query, schema_project

# The grace period the fan-outs here wait: the product's 10 s, cut to 1 s in each copy
# (swallowing), since the waiting, not its length, is what the tests prove.
WORKER_STOP_GRACE = 1.0
SHORTENED_GRACE = (
    "import alembic_steward.runtime._tenant_stop_grace as grace\n"
    f"grace.WORKER_STOP_GRACE = {WORKER_STOP_GRACE!r}\n"
)

# Says it started (a file named by its worker's pid), then takes no stop: each signal's
# exception is swallowed, as a migration with a bare `except:` in a retry loop would.
SWALLOWING_STEP = (
    "def upgrade() -> None:\n"
    "    import os, pathlib, time\n"
    "    op.execute('CREATE TABLE early (id integer)')\n"
    "    pathlib.Path(os.environ['STARTED_DIR'], str(os.getpid())).touch()\n"
    "    while True:\n"
    "        try:\n"
    "            time.sleep(0.1)\n"
    "        except BaseException:\n"
    "            pass\n"
)


def stopped_with_a_stuck_worker(project: Project, started: Path) -> tuple[dict, str, float]:
    """Run the fan-out (1 worker), SIGTERM its parent alone once the first tenant started;
    its rows, its stderr and how long it took to end after the signal."""
    started.mkdir()
    running = project.popen(
        "python",
        "-m",
        "app.migrations",
        "upgrade",
        "--all-tenants",
        "--parallel",
        "1",
        "--json",
        cwd=project.path,
        env=project.environment(STARTED_DIR=str(started)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(started.iterdir()):
            assert running.poll() is None, running.communicate()
            assert time.monotonic() < deadline, "the first tenant never started"
            time.sleep(0.05)
        (worker,) = [int(path.name) for path in started.iterdir()]
        signalled = time.monotonic()
        running.send_signal(signal.SIGTERM)  # the parent alone, as `docker stop` sends it
        stdout, stderr = running.communicate(timeout=WORKER_STOP_GRACE + 30)
        took = time.monotonic() - signalled
    finally:
        if running.poll() is None:
            os.killpg(running.pid, signal.SIGKILL)
            running.communicate()
    assert running.returncode == 143, stderr
    assert WORKER_STOP_GRACE <= took < WORKER_STOP_GRACE + 20, took
    stat = Path(f"/proc/{worker}/stat")
    assert not stat.exists() or ") Z" in stat.read_text(), "the stuck worker still runs"
    assert "Traceback" not in stderr, stderr
    return {row["tenant"]: row for row in json.loads(stdout)}, stderr, took


def swallowing(project: Project) -> Project:
    """The project's first step swallows stop signals; its fan-outs wait WORKER_STOP_GRACE."""
    first = project.versions / "0001_step.py"
    first.write_text(first.read_text().replace("def upgrade() -> None:\n", SWALLOWING_STEP))
    # On PYTHONPATH ahead of the standard library: the command starts plain, and runs this.
    (project.path / "sitecustomize.py").write_text(SHORTENED_GRACE)
    return project


def test_sigterm_ends_a_fan_out_whose_worker_ignores_it_after_a_grace_period(
    tmp_path: Path, postgresql_url: str
) -> None:
    project = swallowing(schema_project(tmp_path, postgresql_url, ["g1", "g2"]))
    rows, _, _ = stopped_with_a_stuck_worker(project, tmp_path / "started")
    assert rows["g1"]["outcome"] == "stopped", rows["g1"]
    assert f"did not stop within {WORKER_STOP_GRACE:g} s" in rows["g1"]["detail"], rows["g1"]
    # Read from its schema after the kill: the migration's transaction rolled back.
    assert rows["g1"]["before"] == rows["g1"]["after"] == "base", rows["g1"]
    assert rows["g2"]["outcome"] == "not run", rows["g2"]
    assert pg_query(postgresql_url, "SELECT count(*) FROM pg_tables WHERE schemaname='g1'") == [
        (0,)
    ]


def test_a_killed_mariadb_worker_leaves_its_tenant_half_applied_with_its_repairs(
    tmp_path: Path, mysql_tenants
) -> None:
    url, names = mysql_tenants
    admin = connect_admin("mysql", url)
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f"CREATE DATABASE {name}")
    admin.close()
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
    swallowing(make_tenant_project(project, "database", names))
    rows, _, _ = stopped_with_a_stuck_worker(project, tmp_path / "started")
    first, *others = names
    assert rows[first]["outcome"] == "stopped", rows[first]
    detail = rows[first]["detail"]
    assert f"did not stop within {WORKER_STOP_GRACE:g} s" in detail, detail
    # MariaDB commits DDL at once: the kill leaves the mark, and the row names the repair.
    assert f"clear-migration-mark --tenants {first}" in detail, detail
    assert all(rows[name]["outcome"] == "not run" for name in others), rows
