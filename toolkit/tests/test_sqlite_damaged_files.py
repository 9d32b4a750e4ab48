"""A SQLite file that is not a database (or is damaged) is named, with what to do about it.

A README-only tester's corrupt tenant file gave the row "file is not a database" alone: no
path, no advice; DATABASE_URL's own file was "cannot reach the database", whose advice (check
the folder, `inv db.url`) fits a file that cannot be opened, not one that opens as garbage.
"""

from __future__ import annotations

import json
from pathlib import Path

from project import Project, one_error_line
from tenant_projects import make_tenant_project

GARBAGE = b"this is not a SQLite database" * 100
ADVICE = "restore it from a backup, or move it aside"


def test_a_damaged_tenant_file_is_named_with_what_to_do(tmp_path: Path) -> None:
    main = tmp_path / "service.db"
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}"),
        "database",
        ["acme", "globex"],
    )
    project.inv("db.tenant-create", "globex")
    damaged = tmp_path / "service_acme.db"
    damaged.write_bytes(GARBAGE)
    for command in (("db.status",), ("db.upgrade",), ("db.backfill", "status", "all")):
        ran = project.inv(*command, "--all-tenants", "--json", code=76)
        rows = {row["tenant"]: row for row in json.loads(ran.stdout)}
        detail = rows["acme"]["detail"]
        assert f"the SQLite file {damaged} is not a database, or is damaged" in detail, detail
        assert ADVICE in detail and "inv db.tenant-create acme" in detail, detail
        assert rows["globex"]["outcome"] in ("at head", "none declared"), rows
    assert damaged.read_bytes() == GARBAGE  # nothing was written to it


def test_a_damaged_database_url_file_is_named_with_what_to_do(tmp_path: Path) -> None:
    main = tmp_path / "service.db"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    main.write_bytes(GARBAGE)
    for command in (("db.status",), ("db.upgrade",)):
        line = one_error_line(project.run("inv", *command).stderr)
        assert f"the SQLite file {main} is not a database, or is damaged" in line, line
        assert ADVICE in line and "cannot reach" not in line, line
