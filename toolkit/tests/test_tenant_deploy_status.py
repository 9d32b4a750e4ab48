"""`python -m app.migrations status --all-tenants|--tenants A,B` reads each tenant as
`inv db.status --all-tenants` does, from an installed service where there is no `inv` (#23).

An installed service could only upgrade its tenants: nothing there said where they stood
without migrating them, and its advice named the upgrade where a status was meant.
"""

from __future__ import annotations

import json
from pathlib import Path

from project import Project, one_error_line, revision_source
from tenant_projects import make_tenant_project

DEPLOY = ("python", "-m", "app.migrations")


def behind_project(tmp_path: Path) -> Project:
    """SQLite tenants `acme` at head and `globex` one revision behind; `absent` never made."""
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/main.db"),
        "database",
        ["acme", "globex", "absent"],
    )
    project.inv("db.tenant-create", "globex")
    project.write_revision(
        "0004_more.py",
        revision_source("0004", "0003", "    op.execute(\"INSERT INTO applied VALUES ('0004')\")"),
    )
    project.inv("db.tenant-create", "acme")
    return project


def without_timing(rows: list[dict]) -> list[dict]:
    return [{key: value for key, value in row.items() if key != "seconds"} for row in rows]


def test_the_installed_status_of_the_tenants_is_inv_db_status_s(tmp_path: Path) -> None:
    project = behind_project(tmp_path)
    for selection in (["--all-tenants"], ["--tenants", "acme,globex"]):
        task = project.run("inv", "db.status", *selection, "--json")
        installed = project.run(*DEPLOY, "status", *selection, "--json")
        assert installed.returncode == task.returncode != 0, installed.stderr
        # The same rows, each advising its own command form.
        own_form = installed.stdout.replace("`python -m app.migrations ", "`inv db.")
        assert without_timing(json.loads(own_form)) == without_timing(json.loads(task.stdout))
        table = project.run(*DEPLOY, "status", *selection)
        assert table.returncode == task.returncode, table.stderr
        assert "globex" in table.stdout and "pending" in table.stdout, table.stdout
    rows = {row["tenant"]: row for row in json.loads(installed.stdout)}
    assert rows["acme"]["exit_code"] == 0 and rows["globex"]["exit_code"] == 2, rows
    at_head = project.run(*DEPLOY, "status", "--tenants", "acme")
    assert at_head.returncode == 0, at_head.stdout + at_head.stderr
    # Only reading: globex is still behind.
    again = project.run(*DEPLOY, "status", "--tenants", "globex", "--json")
    assert json.loads(again.stdout)[0]["after"] == "0003", again.stdout


def test_the_installed_status_names_only_commands_the_service_has(tmp_path: Path) -> None:
    project = behind_project(tmp_path)
    (project.path / "pyproject.toml").unlink()  # installed from a wheel
    read = project.run(*DEPLOY, "status", "--tenants", "globex")
    line = one_error_line(read.stderr)
    assert "`python -m app.migrations upgrade --tenants globex`" in line, line
    assert "inv " not in read.stdout + read.stderr, read.stdout + read.stderr


def test_the_installed_status_refuses_fan_out_options_without_tenants(tmp_path: Path) -> None:
    project = behind_project(tmp_path)
    refused = project.run(*DEPLOY, "status", "--shard", "0/2")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "--shard only applies to a fan-out" in one_error_line(refused.stderr)


def test_the_installed_status_without_tenants_says_what_reads_the_own_database(
    tmp_path: Path,
) -> None:
    project = behind_project(tmp_path)
    refused = project.run(*DEPLOY, "status")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    line = one_error_line(refused.stderr)
    assert "give --all-tenants or --tenants NAME" in line and "current`" in line, line


def test_an_unknown_revision_in_an_installed_service_names_no_missing_command(
    project: Project,
) -> None:
    """A tenant at a revision the installed release lacks (a newer release applied it): the
    row named `inv db.stamp --purge` as if there were a checkout, and the deploy module has no
    `--purge` (nor a downgrade)."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.inspection._database_state import unknown_revision_message
    from alembic_steward.runtime._tenancy import Tenant, bind_tenant

    (project.path / "pyproject.toml").unlink()  # installed from a wheel
    with project.imported():
        bind_tenant(Tenant("acme", active_steward().tenancy))
        try:
            row = unknown_revision_message(["f00d"])
        finally:
            bind_tenant(None)
        alone = unknown_revision_message(["f00d"])
    for line in (row, alone):
        assert "stamp --purge" not in line and "db.reset" not in line, line
        assert "this installed release does not have" in line, line
    assert "from a checkout that has it, `inv db.downgrade -r REV --tenants acme`" in row, row
