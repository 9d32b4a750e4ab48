"""`upgrade --phase expand|contract` with --all-tenants: each tenant stops where its phase ends.

The history: 0001 and 0002 are expand revisions, 0003 a contract one. Each tenant is brought
to 0001 first; the tenant `broken` then gets two equal note bodies, so the unique index 0002
adds fails there, alone.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from project import Project, one_error_line, revision_source
from servers import connect_admin, with_database
from tenant_projects import make_tenant_project

from alembic_steward.runtime._tenant_reports import FAILED_TENANTS_EXIT_CODE

NAMES = ["alpha", "broken", "gamma"]
EXPAND_REVISIONS = {
    "0001": (
        None,
        "    op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('body', sa.String(50)))\n"
        "    op.create_table('legacy', sa.Column('id', sa.Integer, primary_key=True))",
    ),
    "0002": ("0001", "    op.create_index('ix_notes_body', 'notes', ['body'], unique=True)"),
}
CONTRACT_REVISION = "    op.drop_table('legacy')"

# Reads one tenant's version table: (tenant, SQL) -> rows.
Query = Callable[[str, str], list[tuple]]


def phased_project(project: Project, tenancy: str) -> Project:
    """The tenant fixture service with its history replaced: 0001, 0002 expand, 0003 contract."""
    make_tenant_project(project, tenancy, NAMES)
    for path in project.versions.glob("*.py"):
        path.unlink()
    for revision, (down, upgrade) in EXPAND_REVISIONS.items():
        source = revision_source(revision, down, upgrade)
        project.write_revision(f"{revision}_expand.py", source + 'phase = "expand"\n')
    contract = revision_source("0003", "0002", CONTRACT_REVISION)
    project.write_revision("0003_contract.py", contract + 'phase = "contract"\n')
    return project


def report(completed) -> dict[str, dict]:
    return {row["tenant"]: row for row in json.loads(completed.stdout)}


def versions(query: Query) -> dict[str, str]:
    return {name: query(name, "SELECT version_num FROM alembic_version")[0][0] for name in NAMES}


@pytest.fixture
def sqlite_tenants(tmp_path: Path) -> tuple[Project, Query]:
    """Tenants as SQLite files beside the service's, empty."""
    main = tmp_path / "service.db"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    for name in NAMES:
        sqlite3.connect(tmp_path / f"service_{name}.db").close()

    def query(tenant: str, sql: str) -> list[tuple]:
        connection = sqlite3.connect(tmp_path / f"service_{tenant}.db")
        try:
            rows = connection.execute(sql).fetchall()
            connection.commit()
            return rows
        finally:
            connection.close()

    return phased_project(project, "database"), query


@pytest.fixture
def postgresql_tenants(tmp_path: Path) -> Iterator[tuple[Project, Query]]:
    """Tenants as schemas of a fresh PostgreSQL database, empty; dropped afterwards."""
    server_url = os.environ.get("TEST_POSTGRESQL_URL")
    if not server_url:
        pytest.skip("TEST_POSTGRESQL_URL is not set; no postgresql server to test on")
    name = f"tenant_phases_{secrets.token_hex(6)}"
    admin = connect_admin("postgresql", server_url)
    try:
        admin.execute(f"CREATE DATABASE {name}")
        url = with_database(server_url, name)
        tenants = connect_admin("postgresql", url)
        for tenant in NAMES:
            tenants.execute(f"CREATE SCHEMA {tenant}")

        def query(tenant: str, sql: str) -> list[tuple]:
            tenants.execute(f"SET search_path TO {tenant}")
            cursor = tenants.execute(sql)
            return cursor.fetchall() if cursor.description else []

        project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
        try:
            yield phased_project(project, "schema"), query
        finally:
            tenants.close()
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def tenants(request) -> tuple[Project, Query]:
    return request.getfixturevalue(f"{request.param}_tenants")


def test_each_tenant_stops_after_the_expand_phase_and_one_that_fails_is_reported_alone(
    tenants: tuple[Project, Query],
) -> None:
    project, query = tenants
    project.inv("db.upgrade", "--all-tenants", "-r", "0001")
    # 0002's unique index cannot be built here: the expand phase fails in this tenant only.
    query("broken", "INSERT INTO notes (body) VALUES ('same'), ('same')")

    failed = project.inv(
        "db.upgrade", "--phase", "expand", "--all-tenants", "--json", code=FAILED_TENANTS_EXIT_CODE
    )
    rows = report(failed)
    assert rows["broken"]["outcome"] == "failed" and rows["broken"]["after"] == "0001"
    assert "0002" in rows["broken"]["detail"]
    for name in ("alpha", "gamma"):
        assert rows[name]["outcome"] == "upgraded" and rows[name]["after"] == "0002"
        assert rows[name]["detail"] == "contract revision 0003 pending"
    line = one_error_line(failed.stderr)
    assert "1 of 3 tenants failed or did not run (broken)" in line
    assert "2 tenants have a contract revision pending" in line
    assert versions(query) == {"alpha": "0002", "broken": "0001", "gamma": "0002"}

    query("broken", "DELETE FROM notes")
    rerun = report(project.inv("db.upgrade", "--phase", "expand", "--all-tenants", "--json"))
    assert {name: row["outcome"] for name, row in rerun.items()} == {
        "alpha": "expand done",
        "broken": "upgraded",
        "gamma": "expand done",
    }
    assert versions(query) == dict.fromkeys(NAMES, "0002")

    contract = project.run(
        "python", "-m", "app.migrations", "upgrade", "--phase", "contract", "--all-tenants"
    )
    assert contract.returncode == 0, contract.stderr
    assert "3 tenants: 3 upgraded" in contract.stdout
    assert versions(query) == dict.fromkeys(NAMES, "0003")


def test_a_phase_with_a_target_or_an_unknown_phase_is_refused_before_any_tenant_runs(
    sqlite_tenants: tuple[Project, Query],
) -> None:
    project, query = sqlite_tenants
    with_target = project.inv(
        "db.upgrade", "--phase", "expand", "-r", "0001", "--all-tenants", code=1
    )
    assert "--phase chooses where the upgrade stops" in one_error_line(with_target.stderr)
    module = project.run(
        "python", "-m", "app.migrations", "upgrade", "0001", "--phase", "expand", "--all-tenants"
    )
    assert module.returncode == 1
    assert "--phase chooses where the upgrade stops" in one_error_line(module.stderr)
    unknown = project.inv("db.upgrade", "--phase", "shrink", "--all-tenants", code=1)
    assert "unknown phase 'shrink'" in one_error_line(unknown.stderr)
    assert all(query(name, "SELECT name FROM sqlite_master") == [] for name in NAMES)
