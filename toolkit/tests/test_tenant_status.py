"""`db.status --all-tenants` gives each tenant the verdict `inv db.status` gives its database.

A half-applied MariaDB tenant and a tenant stamped at a revision its schema is not used to be
shown as "not at head" with no detail, and the advice to upgrade them all failed on both.
"""

from __future__ import annotations

import json
from pathlib import Path

from project import Project, one_error_line
from servers import ServerDatabase, with_database
from tenant_projects import make_tenant_project

from alembic_steward.inspection._status_report import StatusExit


def rows_of(completed) -> dict[str, dict]:
    return {row["tenant"]: row for row in json.loads(completed.stdout)}


def test_each_mariadb_tenant_row_says_what_inv_db_status_says_of_it(
    tmp_path: Path, mysql_tenants
) -> None:
    url, names = mysql_tenants
    half, stamped, fine = names
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=url), "database", names
    )
    for name in names:
        project.inv("db.tenant-create", name)
    # The mark a run that stopped in 0003 leaves (its table stays from the runs before).
    ServerDatabase("mysql", with_database(url, half)).query(
        "INSERT INTO alembic_migration_in_progress VALUES ('0002')"
    )
    # Stamped back a revision: the schema still has 0003's column.
    ServerDatabase("mysql", with_database(url, stamped)).query(
        "UPDATE alembic_version SET version_num = '0002'"
    )

    status = project.inv("db.status", "--all-tenants", "--json", code=76)
    rows = rows_of(status)
    assert rows[fine]["outcome"] == "at head" and rows[fine]["exit_code"] == 0
    assert rows[half]["outcome"] == "half-applied", rows[half]
    assert rows[half]["exit_code"] == StatusExit.HALF_APPLIED
    assert f"`inv db.clear-migration-mark --tenants {half}`" in rows[half]["detail"]
    assert rows[stamped]["outcome"] == "database differs", rows[stamped]
    assert rows[stamped]["exit_code"] == StatusExit.DATABASE_DIFFERS
    # Stamped back from 0003: the database holds exactly what 0003 builds, so it says that one.
    assert f"`inv db.stamp -r 0003 --tenants {stamped}`" in rows[stamped]["detail"]
    # The differences the advice speaks of are in the row, not "above" it.
    assert rows[stamped]["differences"], rows[stamped]
    assert "(differences above)" not in rows[stamped]["detail"]
    assert rows[stamped]["differences"][0] in rows[stamped]["detail"]
    line = one_error_line(status.stderr)
    assert "2 of 3 tenants are not up to date" in line and "half-applied" in line, line
    assert "run the upgrade with --all-tenants" not in line
    # A wrong password: the server answered and refused, as `inv db.status` says of one
    # database (10: no wait or retry helps), not unreachable (5); the password never shown.
    wrong = url.replace("root@", "root:Hunter2Secret@", 1)
    assert wrong != url
    refused = project.inv(
        "db.status", "--all-tenants", "--json", code=StatusExit.REFUSED, env={"DATABASE_URL": wrong}
    )
    assert {row["outcome"] for row in rows_of(refused).values()} == {"refused"}
    assert {row["exit_code"] for row in rows_of(refused).values()} == {StatusExit.REFUSED}
    assert "Hunter2" not in refused.stdout + refused.stderr
    assert "the server refused the sign-in of all 3 tenants" in one_error_line(refused.stderr)
    # The upgrade over them exits as status does: one failure, one code.
    upgrade = project.inv(
        "db.upgrade", "--all-tenants", code=StatusExit.REFUSED, env={"DATABASE_URL": wrong}
    )
    assert "Hunter2" not in upgrade.stdout + upgrade.stderr


def test_a_schema_tenant_stamped_wrongly_is_said_to_differ_from_its_revision(
    tmp_path: Path, postgresql_url: str
) -> None:
    database = ServerDatabase("postgresql", postgresql_url)
    for name in ("behind", "wrong"):
        database.query(f"CREATE SCHEMA {name}")
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=postgresql_url),
        "schema",
        ["behind", "wrong"],
    )
    project.inv("db.upgrade", "--tenants", "behind", "-r", "0002")
    project.inv("db.upgrade", "--tenants", "wrong")
    database.query("UPDATE wrong.alembic_version SET version_num = '0002'")
    project.env["FIXTURE_TENANTS"] = "behind,wrong,ghost"  # listed, never created

    rows = rows_of(project.inv("db.status", "--all-tenants", "--json", code=76))
    # Not read: null, not "?" or "", and a code of status's own for a tenant not there.
    assert rows["ghost"]["before"] is None and rows["ghost"]["after"] is None, rows["ghost"]
    assert rows["ghost"]["exit_code"] == StatusExit.TENANT_MISSING, rows["ghost"]
    assert rows["behind"]["outcome"] == "pending" and rows["behind"]["exit_code"] == 2
    assert "`inv db.upgrade --tenants behind`" in rows["behind"]["detail"]
    assert rows["wrong"]["outcome"] == "database differs", rows["wrong"]


def test_a_sqlite_tenant_being_migrated_is_said_so_at_once(tmp_path: Path) -> None:
    """A tenant's status read waited for the running migration's write lock (~9 s), then
    said "at head"; `inv db.status` says at once that a migration runs (exit 13)."""
    import time

    from project import revision_source

    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/main.db"),
        "database",
        ["acme"],
    )
    project.inv("db.tenant-create", "acme")
    started, gate = tmp_path / "started", tmp_path / "gate"
    project.write_revision(
        "0004_slow.py",
        revision_source(
            "0004",
            "0003",
            "    op.execute(\"INSERT INTO applied (revision) VALUES ('0004')\")\n"
            f"    pathlib.Path({str(started)!r}).touch()\n"
            "    deadline = time.monotonic() + 30\n"
            f"    while not pathlib.Path({str(gate)!r}).exists() and time.monotonic() < deadline:\n"
            "        time.sleep(0.05)",
            imports="import pathlib\nimport time",
        ),
    )
    running = project.start("inv", "db.upgrade", "--tenants", "acme")
    try:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the migration never started"
        began = time.monotonic()
        status = project.inv("db.status", "--tenants", "acme", "--json", code=13)
        assert time.monotonic() - began < 6, "the status waited for the migration"
        row = rows_of(status)["acme"]
        assert row["outcome"] == "migration running" and row["exit_code"] == 13, row
        assert "`inv db.status --tenants acme`" in row["detail"], row
        assert "wait for them to end" in one_error_line(status.stderr)
    finally:
        gate.touch()
        running.communicate(timeout=60)
    assert running.returncode == 0


def test_a_tenant_rows_advice_in_an_installed_service_names_its_own_commands(
    project: Project,
) -> None:
    """A pod runs the service from a wheel: no `inv` there. A row's repair and upgrade advice
    must be `python -m app.migrations ...`, as the half-applied advice already was; it read
    `inv db.stamp` and `inv db.upgrade`."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.inspection._drift_sides import DriftSides, differences_named
    from alembic_steward.inspection._status_report import MigrationStatus, StatusExit
    from alembic_steward.runtime._tenancy import Tenant, bind_tenant

    (project.path / "pyproject.toml").unlink()  # installed from a wheel
    with project.imported():
        bind_tenant(Tenant("acme", active_steward().tenancy))
        try:
            named = differences_named(["missing column notes.title"])
            at_head = DriftSides(database=["missing column notes.title"], models=None)
            behind = DriftSides(database=["missing column notes.title"], models=None, pending=True)
            advice = [
                at_head.database_advice_pointing(named),
                behind.database_advice_pointing(named),
            ]
            pending = MigrationStatus(["0002"], ["0003"], [], None)
            assert pending.exit_code == StatusExit.PENDING
            advice.append(pending.verdict_pointing(named))
        finally:
            bind_tenant(None)
    deploy = "python -m app.migrations"
    for line in advice:
        assert "inv " not in line, line
        assert f"`{deploy} upgrade --tenants acme`" in line, line
    for line in advice[:2]:
        assert f"`{deploy} stamp REV --yes --tenants acme`" in line, line


def test_a_tenant_rows_advice_names_commands_that_act_on_that_tenant(project: Project) -> None:
    from alembic_steward._wiring import active_steward
    from alembic_steward.inspection._database_state import unknown_revision_message
    from alembic_steward.inspection._drift_sides import DriftSides, differences_named
    from alembic_steward.runtime._phased_upgrade import contract_phase_advice
    from alembic_steward.runtime._tenancy import Tenant, bind_tenant

    with project.imported():
        bind_tenant(Tenant("acme", active_steward().tenancy))
        try:
            contract = contract_phase_advice(["0002"], ["0003"])
            unknown = unknown_revision_message(["f00d"])
        finally:
            bind_tenant(None)
        alone = unknown_revision_message(["f00d"])
    assert "`inv db.upgrade --tenants acme --phase contract`" in contract, contract
    assert "`inv db.stamp --purge -r REV --tenants acme`" in unknown, unknown
    assert "`inv db.downgrade -r REV --tenants acme`" in unknown and "db.reset" not in unknown
    assert "`inv db.stamp --purge -r REV`, or in development start over" in alone, alone
    # A row names the differences its advice speaks of; `inv db.status` prints them above.
    sides = DriftSides(database=["missing column notes.title"], models=None)
    named = sides.database_advice_pointing(differences_named(sides.database or []))
    assert "builds (missing column notes.title):" in named and "above" not in named
    assert "(differences above)" in sides.database_advice
