"""A fan-out to a relative target (`-r +1`, `-r -1`) that stops or fails advises a rerun to
the absolute revision each tenant left was meant to reach (#23).

The advice repeated `-r +1`: the tenants that had already moved one step would have moved one
further, and a tenant whose migration failed part-way past its first step too.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from project import Project, one_error_line
from tenant_projects import make_tenant_project

from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_runs import TenantOutcome

MAIN = "main.db"


def sqlite_tenants(tmp_path: Path, names: list[str]) -> Project:
    """SQLite tenants ``names`` at head (0003)."""
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/{MAIN}"),
        "database",
        names,
    )
    for name in names:
        project.inv("db.tenant-create", name)
    return project


def test_a_stopped_relative_upgrade_names_each_tenants_own_target(project: Project) -> None:
    from alembic_steward.runtime._tenant_reruns import FanOutRun, upgrade_rerun

    make_tenant_project(project, "schema", ["a", "b", "c", "d"])
    outcomes = [
        TenantOutcome("done", TenantOutcomeName.UPGRADED, "0001", "0002"),
        TenantOutcome("a", TenantOutcomeName.STOPPED, "0001", "0001"),
        TenantOutcome("b", TenantOutcomeName.FAILED, "0002", "0002"),
        TenantOutcome("c", TenantOutcomeName.STOPPED, "0002", "0002"),
        TenantOutcome("d", TenantOutcomeName.NOT_RUN),
    ]
    with project.imported():
        rerun = upgrade_rerun(outcomes, FanOutRun("+1", None, " --all-tenants", None))
    assert "`inv db.upgrade -r 0002 --tenants a`" in rerun, rerun
    assert "`inv db.upgrade -r 0003 --tenants b,c`" in rerun, rerun
    # A tenant that never started has not moved: the step still counts from where it is.
    assert "`inv db.upgrade -r +1 --tenants d`" in rerun, rerun
    assert "--all-tenants" not in rerun and "done" not in rerun, rerun


def test_a_stopped_relative_downgrade_names_each_tenants_own_target(project: Project) -> None:
    from alembic_steward.runtime._tenant_reruns import FanOutRun, downgrade_rerun

    make_tenant_project(project, "schema", ["a", "b"])
    outcomes = [
        TenantOutcome("a", TenantOutcomeName.STOPPED, "0003", "0003"),
        TenantOutcome("b", TenantOutcomeName.FAILED, "0002", "0002"),
    ]
    with project.imported():
        rerun = downgrade_rerun(
            outcomes, FanOutRun("-1", None, " --tenants a,b", None), confirmed=True
        )
    assert "`inv db.downgrade -r 0002 --tenants a --yes`" in rerun, rerun
    assert "`inv db.downgrade -r 0001 --tenants b --yes`" in rerun, rerun
    assert "-r -1" not in rerun, rerun


def test_a_failed_relative_upgrade_advises_the_absolute_target(tmp_path: Path) -> None:
    project = sqlite_tenants(tmp_path, ["east", "west"])
    project.inv("db.downgrade", "-r", "0001", "--tenants", "east,west", "--yes")
    west = sqlite3.connect(tmp_path / "main_west.db")
    with west:
        west.execute("INSERT INTO notes (body) VALUES ('same'), ('same')")
    west.close()
    failed = project.run("inv", "db.upgrade", "-r", "+2", "--all-tenants", "--json")
    assert failed.returncode == 76, failed.stdout + failed.stderr
    rows = {row["tenant"]: row for row in json.loads(failed.stdout)}
    assert rows["east"]["after"] == "0003" and rows["west"]["after"] == "0001", rows
    line = one_error_line(failed.stderr)
    assert "`inv db.upgrade -r 0003 --tenants west`" in line, line
    assert "-r +2" not in line, line


def test_a_relative_downgrade_s_rerun_leaves_out_the_tenants_with_leftovers(
    project: Project,
) -> None:
    from alembic_steward.runtime._tenant_reruns import FanOutRun, downgrade_rerun

    make_tenant_project(project, "schema", ["a", "b"])
    outcomes = [
        TenantOutcome("a", TenantOutcomeName.STOPPED, "0003", "0003"),
        # At its target already: a rerun changes nothing there (its row says what does).
        TenantOutcome("b", TenantOutcomeName.LEFTOVERS, "0003", "0002"),
    ]
    with project.imported():
        rerun = downgrade_rerun(
            outcomes, FanOutRun("-1", None, " --all-tenants", None), confirmed=False
        )
    assert "`inv db.downgrade -r 0002 --tenants a`" in rerun, rerun
    assert "--tenants b" not in rerun and "a,b" not in rerun, rerun
