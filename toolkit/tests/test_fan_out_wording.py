"""Fan-out wording a README-only tester found wrong: `--canary 0` alone accepted while
`--canary 2` was refused; a row that waited for another fan-out said `at head` and nothing of
it; a tenant rolled back cleanly counted as "stopped part-way"; "none of the 1 tenant"; a
refused sign-in worded as a server that could not be reached."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from project import Project, one_error_line
from servers import connect_admin
from tenant_projects import make_tenant_project, sqlite_project

from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_reports import (
    refused_summary,
    stopped_summary,
    unreachable_summary,
)
from alembic_steward.runtime._tenant_runs import TenantOutcome

DEPLOY = ("python", "-m", "app.migrations")


@pytest.mark.parametrize(
    "command",
    [
        ("inv", "db.upgrade", "--canary", "0"),
        ("inv", "db.check", "--canary", "0"),
        ("inv", "db.downgrade", "-r", "0002", "--canary", "0"),
        (*DEPLOY, "upgrade", "--canary", "0"),
    ],
    ids=["upgrade", "check", "downgrade", "deploy-upgrade"],
)
def test_canary_zero_without_tenants_is_refused_as_any_canary_is(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    project = sqlite_project(tmp_path, ["north"])
    refused = project.run(*command)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "--canary only applies to a fan-out" in one_error_line(refused.stderr)
    assert not (tmp_path / "service.db").exists()


def stopped(name: str, part_way: bool) -> TenantOutcome:
    return TenantOutcome(name, TenantOutcomeName.STOPPED, left_part_way=part_way)


def test_a_stopped_upgrade_counts_only_the_tenants_left_part_way() -> None:
    outcomes = [stopped("clean", False), stopped("half", True), TenantOutcome("z", "not run")]
    line = stopped_summary(outcomes, "upgrade", "SIGINT")
    assert "1 stopped part-way (half:" in line, line
    assert "1 stopped with nothing left part-way (clean:" in line, line
    assert "repair any tenant stopped part-way" in line, line
    clean = stopped_summary([stopped("clean", False)], "upgrade", "SIGINT")
    assert "stopped part-way (clean" not in clean and "repair" not in clean, clean


def test_one_tenant_is_worded_as_one() -> None:
    alone = [stopped("solo", False)]
    assert "the 1 tenant did not end" in stopped_summary(alone, "upgrade", "SIGTERM")
    row = [TenantOutcome("solo", "unreachable", detail="cannot reach")]
    _, line = unreachable_summary(row, "upgrade")
    assert "the 1 tenant could not be reached, so nothing was run" in line, line
    _, line = refused_summary([TenantOutcome("solo", "refused", detail="refused")], "status")
    assert "the server refused the sign-in of the 1 tenant, so none was read" in line, line
    for words in (stopped_summary(alone, "upgrade", "SIGTERM"), line):
        assert "none of the 1" not in words and "all 1" not in words, words


def test_a_refused_sign_in_is_said_so(tmp_path: Path, postgresql_url: str) -> None:
    refused_url = postgresql_url.replace("postgres@", "h_fleet23d_nobody@", 1)
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=refused_url)
    project = make_tenant_project(project, "schema", ["acme"])
    upgraded = project.run(*DEPLOY, "upgrade")
    line = one_error_line(upgraded.stderr)
    assert "refused the sign-in" in line and "cannot reach" not in line, line
    fanned = project.inv("db.upgrade", "--all-tenants", "--json", code=10)
    detail = json.loads(fanned.stdout)[0]["detail"]
    assert "refused the sign-in" in detail and "cannot reach" not in detail, detail


def test_a_row_that_waited_for_another_run_says_so(tmp_path: Path, postgresql_url: str) -> None:
    from alembic_steward.runtime._lock import postgresql_lock_key
    from alembic_steward.runtime._tenancy import Tenant, bind_tenant

    project = Project.copy_to(tmp_path / "service", DATABASE_URL=postgresql_url)
    project = make_tenant_project(project, "schema", ["held"])
    project.inv("db.tenant-create", "held")
    project.inv("db.downgrade", "-r", "base", "--tenants", "held", "--yes")
    bind_tenant(Tenant("held", "schema"))
    try:
        key = postgresql_lock_key()
    finally:
        bind_tenant(None)
    holder = connect_admin("postgresql", postgresql_url)
    try:
        holder.execute(f"SELECT pg_advisory_lock({key})")
        run = project.start("inv", "db.upgrade", "--tenants", "held", "--json")
        # It retries pg_try_advisory_lock: seen once it has asked for the lock. In this test's
        # database only: other tests' runs on the server ask for their own locks meanwhile.
        waiting = (
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND datname = current_database() AND query LIKE '%pg_try_advisory_lock%'"
        )
        deadline = time.monotonic() + 60
        while holder.execute(waiting).fetchone()[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        # The other run: it migrates the tenant while this one waits for the lock.
        holder.execute("INSERT INTO held.alembic_version (version_num) VALUES ('0003')")
        holder.execute(f"SELECT pg_advisory_unlock({key})")
        stdout, stderr = run.communicate(timeout=120)
    finally:
        holder.close()
    assert run.returncode == 0, stdout + stderr
    (row,) = json.loads(stdout)
    assert row["outcome"] == "at head" and row["before"] == "base", row
    assert "another run migrated it while this one waited for its lock" in row["detail"], row
