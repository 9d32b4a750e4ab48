"""Ctrl-C during `inv db.upgrade`'s checks, before its first migration starts, says no migration
had started, with the version table as read after the stop: it said "each finished migration
stays applied", as if some had run (docs/failures.md)."""

from __future__ import annotations

import pytest
from failures import stopped_once_started, write_revision
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
    assert database.revisions() == {"first"}
