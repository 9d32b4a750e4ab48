"""Tenant reports as a README-only tester read them: each line says what the command did and
did not do, names the selection the user gave, and --json is JSON on every path."""

from __future__ import annotations

import json
from pathlib import Path

from project import Project, one_error_line
from tenant_projects import make_tenant_project
from test_backfill_tenants import with_backfill

from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_reports import report_table
from alembic_steward.runtime._tenant_runs import TenantOutcome

DEPLOY = ("python", "-m", "app.migrations")
# Nothing listens on port 1: each tenant's server cannot be reached (no server is needed).
UNREACHABLE_URL = "postgresql://app:Hunter2Secret@127.0.0.1:1/app"
UNREACHABLE_START = "cannot reach the database at postgresql"


def unreachable_project(tmp_path: Path) -> Project:
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=UNREACHABLE_URL)
    return with_backfill(make_tenant_project(project, "schema", ["acme", "globex"]))


def sqlite_project(tmp_path: Path, names: list[str]) -> Project:
    main = tmp_path / "service.db"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    for name in names:
        (tmp_path / f"service_{name}.db").touch()  # a tenant's file, as tenant-create makes it
    return with_backfill(make_tenant_project(project, "database", names))


def test_an_unreachable_tenant_read_only_says_what_was_not_read(tmp_path: Path) -> None:
    project = unreachable_project(tmp_path)
    status = project.inv("db.status", "--all-tenants", "--json", code=5)
    backfills = project.inv(
        "db.backfill", "status", "notes_title", "--all-tenants", "--json", code=5
    )
    for completed, unread in (
        (status, "its status was not read"),
        (backfills, "its backfills were not read"),
    ):
        for row in json.loads(completed.stdout):
            assert row["outcome"] == "unreachable", row
            assert row["detail"].startswith(UNREACHABLE_START), row
            assert row["detail"].endswith(f"; {unread}"), row
        assert "migrated" not in completed.stdout + completed.stderr
        assert "none of the 2 tenants could be reached, so none was read" in one_error_line(
            completed.stderr
        )
        assert "Hunter2" not in completed.stdout + completed.stderr
    # An upgrade still says what it did not do.
    upgrade = project.inv("db.upgrade", "--all-tenants", "--json", code=1)
    assert json.loads(upgrade.stdout)[0]["detail"].endswith("; nothing was migrated")


def test_a_downgrade_and_tenant_create_say_unreachable_as_the_upgrade_does(tmp_path: Path) -> None:
    project = unreachable_project(tmp_path)
    upgrade = json.loads(project.inv("db.upgrade", "--all-tenants", "--json", code=1).stdout)
    # Without --yes, DATABASE_URL's own record is asked first: the same server, unreachable.
    downgrade = project.inv("db.downgrade", "-r", "0001", "--all-tenants", "--json", code=1)
    rows = json.loads(downgrade.stdout)
    assert [row["outcome"] for row in rows] == ["unreachable", "unreachable"], rows
    assert rows[0]["detail"] == upgrade[0]["detail"], rows
    assert one_error_line(downgrade.stderr).startswith("error: none of the 2 tenants could be")
    created = project.run("inv", "db.tenant-create", "acme")
    line = one_error_line(created.stderr)
    assert created.returncode == 1 and "Traceback" not in created.stderr
    assert line.startswith(f"error: {UNREACHABLE_START}"), line
    assert "database error" not in line and "Hunter2" not in line, line
    assert line.endswith("; no tenant was made and nothing was migrated"), line
    deployed = project.run(*DEPLOY, "tenant-create", "acme")
    # The same line, but for `inv db.url`, which `python -m app.migrations` lacks.
    assert one_error_line(deployed.stderr) == line.replace(
        "error: ", "error: tenant-create failed: ", 1
    ).replace(" (`inv db.url` shows where it is set)", "")


def test_rows_of_tenants_that_never_started_show_no_seconds() -> None:
    never = TenantOutcome("b", TenantOutcomeName.NOT_RUN, detail="stopped before it started")
    ran = TenantOutcome("a", TenantOutcomeName.UPGRADED, "base", "0003", 1.5)
    table = report_table([ran, never])
    assert "1.50" in table and "0.00" not in table, table
    assert never.as_dict()["seconds"] is None


def test_status_advice_names_the_tenants_the_user_named(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, ["acme", "globex"])
    project.inv("db.upgrade", "-r", "0001", "--all-tenants")
    named = project.inv("db.status", "--tenants", "acme", code=76)
    line = one_error_line(named.stderr)
    assert "`inv db.upgrade --tenants acme`" in line and "--all-tenants" not in line, line
    every = project.inv("db.status", "--all-tenants", code=76)
    assert "`inv db.upgrade --all-tenants`" in one_error_line(every.stderr)


def test_stamp_takes_tenants_as_the_fan_out_tasks_do_and_tenant_still(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, ["acme", "globex"])
    project.inv("db.upgrade", "--all-tenants")
    assert "--tenants" in project.inv("db.stamp", "--help").stdout
    project.inv("db.stamp", "-r", "0002", "--tenants", "acme", "--yes")
    project.inv("db.stamp", "-r", "0001", "--tenant", "globex", "--yes")
    project.run(*DEPLOY, "stamp", "0003", "--yes", "--tenants", "globex")
    rows = json.loads(project.inv("db.status", "--all-tenants", "--json", code=76).stdout)
    assert [row["before"] for row in rows] == ["0002", "0003"], rows
    several = project.run("inv", "db.stamp", "-r", "0001", "--tenants", "acme,globex", "--yes")
    assert several.returncode == 1 and "Traceback" not in several.stderr
    assert "one tenant at a time" in one_error_line(several.stderr)


def test_every_backfill_json_path_prints_json_errors_included(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, ["acme", "globex"])
    project.inv("db.upgrade", "--all-tenants")
    for command in (
        ("inv", "db.backfill", "status", "nosuch", "--all-tenants", "--json"),
        ("inv", "db.backfill", "status", "notes_title", "--tenants", "nobody", "--json"),
        ("inv", "db.backfill", "status", "notes_title", "--json"),
        ("inv", "db.backfill", "jump", "notes_title", "--all-tenants", "--json"),
        ("inv", "db.backfill", "run", "notes_title", "--pause=-1", "--all-tenants", "--json"),
        (*DEPLOY, "backfill", "status", "nosuch", "--all-tenants", "--json"),
        (*DEPLOY, "backfill", "status", "notes_title", "--json"),
    ):
        completed = project.run(*command)
        assert completed.returncode == 1, (command, completed.stderr)
        document = json.loads(completed.stdout)
        assert set(document) == {"error"} and document["error"], (command, document)
        assert "Traceback" not in completed.stderr
    rows = json.loads(
        project.inv("db.backfill", "status", "notes_title", "--all-tenants", "--json").stdout
    )
    assert {tuple(row) for row in rows} == {
        (
            "tenant",
            "outcome",
            "before",
            "after",
            "seconds",
            "detail",
            "exit_code",
            "differences",
            "unfinished_backfills",
        )
    }


def test_outcome_names_are_one_type_whose_values_are_the_reports_words() -> None:
    unreachable = TenantOutcome("a", TenantOutcomeName.UNREACHABLE)
    assert json.loads(json.dumps(unreachable.as_dict()))["outcome"] == "unreachable"
    assert f"{TenantOutcomeName.NOT_RUN}" == str(TenantOutcomeName.NOT_RUN) == "not run"
    assert " unreachable " in report_table([unreachable]).splitlines()[1] + " "
    assert unreachable.failed and TenantOutcome("a", "refused").failed
