"""A tenant with nothing to read is said so with its own code, and a schema tenant that is a
database on the server is told to add `--tenancy database`, not to create a schema beside it.

A tester who forgot `--tenancy database` was advised `inv db.tenant-create NAME`, which would
have made a second tenant, a schema; `--json` gave such a row `exit_code` 10, the code of a
server refusing the sign-in.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from project import Project
from servers import connect_admin
from tenant_projects import PREFIX, make_tenant_project

from alembic_steward.inspection._status_report import StatusExit
from alembic_steward.runtime._tenant_reports import summary_line
from alembic_steward.runtime._tenant_runs import TenantOutcome


def test_a_missing_tenant_file_has_the_missing_tenant_code(tmp_path: Path) -> None:
    main = tmp_path / "service.db"
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}"),
        "database",
        ["east"],
    )
    rows = json.loads(project.inv("db.status", "--all-tenants", "--json", code=76).stdout)
    assert rows[0]["exit_code"] == StatusExit.TENANT_MISSING == 15, rows
    assert "create it with `inv db.tenant-create east`" in rows[0]["detail"]


def test_a_schema_tenant_that_is_a_database_is_told_to_add_tenancy_database(
    tmp_path: Path, postgresql_url: str
) -> None:
    as_database = f"{PREFIX}tenant_{secrets.token_hex(4)}"
    admin = connect_admin("postgresql", postgresql_url)
    try:
        admin.execute(f"CREATE DATABASE {as_database}")
        project = make_tenant_project(
            Project.copy_to(tmp_path / "service", DATABASE_URL=postgresql_url),
            "schema",
            [as_database, "ghost"],
        )
        ran = project.inv("db.status", "--all-tenants", "--json", code=76)
        rows = {row["tenant"]: row for row in json.loads(ran.stdout)}
        slip = rows[as_database]["detail"]
        assert slip.endswith("it is a database on this server: add `--tenancy database`"), slip
        assert "tenant-create" not in slip
        assert "create it with `inv db.tenant-create ghost`" in rows["ghost"]["detail"]
        assert {row["exit_code"] for row in rows.values()} == {StatusExit.TENANT_MISSING}
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {as_database} WITH (FORCE)")
        admin.close()


def test_a_missing_tenant_is_a_state_its_status_line_names_beside_the_others(
    tmp_path: Path,
) -> None:
    main = tmp_path / "service.db"
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}"),
        "database",
        ["acme", "globex", "initech"],
    )
    for name in ("acme", "globex"):
        project.inv("db.tenant-create", name)
    project.inv("db.downgrade", "-r", "0002", "--tenants", "acme", "--yes")
    ran = project.inv("db.status", "--all-tenants", "--json", code=76)
    rows = {row["tenant"]: row for row in json.loads(ran.stdout)}
    # The outcome is the state, as its exit code says: not `failed`.
    assert (rows["initech"]["outcome"], rows["initech"]["exit_code"]) == ("missing", 15), rows
    assert rows["acme"]["outcome"] == "pending", rows
    closing = ran.stderr.strip().splitlines()[-1]
    assert "2 of 3 tenants" in closing and "acme: pending" in closing, closing
    assert "initech: missing" in closing, closing
    # `db.backfill status` reads the tenant as `db.status` does: the same word and code.
    read = project.inv("db.backfill", "status", "all", "--all-tenants", "--json", code=76)
    rows = {row["tenant"]: row for row in json.loads(read.stdout)}
    assert (rows["initech"]["outcome"], rows["initech"]["exit_code"]) == ("missing", 15), rows


def test_a_status_line_with_a_failed_read_names_the_tenants_in_other_states_too() -> None:
    outcomes = [
        TenantOutcome("acme", "edited revision", exit_code=8),
        TenantOutcome("globex", "at head", exit_code=0),
        TenantOutcome("initech", "failed", detail="boom", exit_code=1),
    ]
    code, line = summary_line(outcomes, "status")
    assert code == 76, line
    assert "2 of 3 tenants are not up to date or could not be read" in line, line
    assert "(acme: edited revision, initech: failed)" in line, line
