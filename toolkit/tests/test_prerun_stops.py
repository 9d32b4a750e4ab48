"""Ctrl-C during `inv db.upgrade`'s checks, before its first migration starts, says no migration
had started, with the version table as read after the stop: it said "each finished migration
stays applied", as if some had run (docs/failures.md)."""

from __future__ import annotations

import signal

import pytest
from failures import stopped_by, stopped_once_started, write_revision
from project import Project
from servers import ServerDatabase

# Appended to the wiring, which `inv` loads before the task: ``step`` (a check the upgrade
# makes before its first migration) says it started, then takes its time.
SLOW_CHECK = """
import importlib
import time


def _slow_check(module, step):
    checks = importlib.import_module(f"alembic_steward.runtime.{{module}}")
    function = getattr(checks, step)

    def slow(*args, **kwargs):
        print("started", flush=True)
        for _ in range(36000):
            time.sleep(0.1)
        return function(*args, **kwargs)

    setattr(checks, step, slow)


_slow_check("{module}", "{step}")
"""


@pytest.mark.parametrize(
    ("module", "step"),
    [
        ("_post_upgrade_look", "schema_before_upgrade"),  # in the task, before Alembic runs
        ("_repointed_revisions", "refuse_repointed_history"),  # in env.py, under the migration lock
    ],
)
def test_ctrl_c_before_the_first_migration_says_none_had_started(
    project: Project, database: ServerDatabase, module: str, step: str
) -> None:
    write_revision(project, "first", None, "    pass")
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    write_revision(project, "second", "first", "    pass")
    wiring = project.path / "app" / "migrations" / "__init__.py"
    wiring.write_text(wiring.read_text() + SLOW_CHECK.format(module=module, step=step))
    code, stderr = stopped_once_started(project, ("inv", "db.upgrade"), DATABASE_URL=database.url)
    assert code == 130 and "Traceback" not in stderr, stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert line == (
        "error: SIGINT stopped the task; no migration had started: the database is at first"
        " (its version table, read after the stop)"
    ), line


# Appended after SLOW_CHECK: the reading of where the database stands after the stop says it
# started, then takes its time, so a second Ctrl-C lands in it.
SLOW_READING = """
import alembic_steward.runtime._state_after_failure as _state_after_failure


def _slow_reading(name):
    function = getattr(_state_after_failure, name)

    def slow(*args, **kwargs):
        print("reading", flush=True)
        for _ in range(36000):
            time.sleep(0.1)
        return function(*args, **kwargs)

    setattr(_state_after_failure, name, slow)


_slow_reading("read_state_afresh")
_slow_reading("read_state")
"""


@pytest.mark.parametrize(
    ("module", "step"),
    [
        ("_post_upgrade_look", "schema_before_upgrade"),
        ("_repointed_revisions", "refuse_repointed_history"),
    ],
)
def test_a_second_ctrl_c_before_the_first_migration_still_ends_in_one_line(
    project: Project, database: ServerDatabase, module: str, step: str
) -> None:
    # It printed two error lines: the stop's, and "stopped inv again while it read ...".
    write_revision(project, "first", None, "    pass")
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    write_revision(project, "second", "first", "    pass")
    wiring = project.path / "app" / "migrations" / "__init__.py"
    slow = SLOW_CHECK.format(module=module, step=step) + SLOW_READING
    wiring.write_text(wiring.read_text() + slow)
    running = project.start("inv", "db.upgrade", DATABASE_URL=database.url)
    try:
        assert running.stdout is not None
        assert running.stdout.readline().strip() == "started"
        running.send_signal(signal.SIGINT)
        assert running.stdout.readline().strip() == "reading"
        stderr = stopped_by(running, signal.SIGINT)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert running.returncode == 130 and "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line == (
        "error: SIGINT stopped the task; a second SIGINT stopped the reading of where the"
        " database stands, so its state could not be read; `inv db.status` shows where the"
        " database stands"
    ), line
    assert database.revisions() == {"first"}
