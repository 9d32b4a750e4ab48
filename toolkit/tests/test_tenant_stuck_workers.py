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

from test_tenants import pg_query, schema_project

from alembic_steward.runtime._tenant_stop_grace import WORKER_STOP_GRACE

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


def test_sigterm_ends_a_fan_out_whose_worker_ignores_it_after_a_grace_period(
    tmp_path: Path, postgresql_url: str
) -> None:
    names = ["g1", "g2"]
    project = schema_project(tmp_path, postgresql_url, names)
    first = project.versions / "0001_step.py"
    first.write_text(first.read_text().replace("def upgrade() -> None:\n", SWALLOWING_STEP))
    started = tmp_path / "started"
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
        stdout, stderr = running.communicate(timeout=WORKER_STOP_GRACE + 20)
        took = time.monotonic() - signalled
    finally:
        if running.poll() is None:
            os.killpg(running.pid, signal.SIGKILL)
            running.communicate()
    assert running.returncode == 143, stderr
    assert WORKER_STOP_GRACE <= took < WORKER_STOP_GRACE + 20, took
    assert not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text()
    rows = {row["tenant"]: row for row in json.loads(stdout)}
    assert rows["g1"]["outcome"] == "stopped", rows["g1"]
    assert f"did not stop within {WORKER_STOP_GRACE:g} s" in rows["g1"]["detail"], rows["g1"]
    # Read from its schema after the kill: the migration's transaction rolled back.
    assert rows["g1"]["before"] == rows["g1"]["after"] == "base", rows["g1"]
    assert rows["g2"]["outcome"] == "not run", rows["g2"]
    assert pg_query(postgresql_url, "SELECT count(*) FROM pg_tables WHERE schemaname='g1'") == [
        (0,)
    ]
