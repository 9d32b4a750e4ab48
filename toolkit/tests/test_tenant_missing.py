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
