"""How a `db` task loads Alembic and SQLAlchemy: frozen out of the garbage collector's sight,
with the collector itself left on for the task's own work (alembic_steward.tasks._startup)."""

from __future__ import annotations

import json
import subprocess

from project import Project

# Runs a real `db` task in-process, then reports the collector's state and what was loaded.
RUN_TASK_THEN_REPORT = """
import gc, json, sys
from invoke import Context
from alembic_steward.tasks._inspection import heads
heads(Context())
print(json.dumps({
    "collector_enabled": gc.isenabled(),
    "frozen_objects": gc.get_freeze_count(),
    "alembic_loaded": "alembic.command" in sys.modules,
}))
"""

# Makes the import fail, as a broken installation would, and reports the collector's state.
FAIL_IMPORT_THEN_REPORT = """
import gc, sys
sys.modules["alembic.command"] = None  # the next `import alembic.command` raises ImportError
from alembic_steward.tasks._startup import import_migration_libraries
try:
    import_migration_libraries()
except ImportError:
    print("collector enabled:", gc.isenabled())
"""


def test_db_task_freezes_the_libraries_it_loads_and_keeps_the_collector_on(
    project: Project,
) -> None:
    # A plain process: a command forked from the tests' zygote starts with its preloaded
    # libraries frozen already, and would pass without the task's freeze.
    completed = subprocess.run(
        [project.executable("python"), "-c", RUN_TASK_THEN_REPORT],
        cwd=project.path,
        env=project.environment(),
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.splitlines()[-1])
    assert report["collector_enabled"] is True
    assert report["alembic_loaded"] is True
    # SQLAlchemy and Alembic alone leave about 115,000 tracked objects; none are frozen unless
    # the task froze them.
    assert report["frozen_objects"] > 50_000


def test_collector_is_back_on_when_loading_the_libraries_fails(project: Project) -> None:
    completed = project.run("python", "-c", FAIL_IMPORT_THEN_REPORT)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "collector enabled: True"
