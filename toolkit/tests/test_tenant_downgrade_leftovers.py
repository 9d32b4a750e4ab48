"""`inv db.downgrade -r REV --all-tenants` reads what each tenant's downgrade left, as `inv
db.downgrade` reads one database: a tenant holding what the target does not build is a
`leftovers` row naming each difference (its own code 9), the run ends 76; a clean one stays
`downgraded`. The target's build is kept, so tenants after the first reuse it. A difference
none of the reverted revisions touch is said to have been there before, as for one database,
and the closing line says how to remove what is left, not to run the downgrade again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from project import Project, revision_source
from servers import connect_admin, with_database
from tenant_projects import DOWNGRADES, REVISIONS
from test_tenants import pg_query, protection_project, report

# 0003's downgrade forgets the column its upgrade added.
FORGETFUL_0003 = "    op.execute(\"DELETE FROM applied WHERE revision = '0003'\")"


def drop_title_by_hand(project: Project, backend: str, tenant: str) -> None:
    """Undo by hand what the forgetful downgrade left in ``tenant``, as its row advises."""
    if backend == "postgresql":
        pg_query(project.env["DATABASE_URL"], f"ALTER TABLE {tenant}.notes DROP COLUMN title")
    elif backend == "mariadb":
        admin = connect_admin("mysql", with_database(project.env["DATABASE_URL"], tenant))
        with admin.cursor() as cursor:
            cursor.execute("ALTER TABLE notes DROP COLUMN title")
        admin.close()
    else:
        main = Path(project.env["DATABASE_URL"].removeprefix("sqlite:///"))
        with sqlite3.connect(main.with_name(f"{main.stem}_{tenant}{main.suffix}")) as connection:
            connection.execute("ALTER TABLE notes DROP COLUMN title")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_each_tenant_s_downgrade_leftovers_are_its_own_row(
    tmp_path: Path, backend: str, request
) -> None:
    project, (first, second) = protection_project(tmp_path, backend, request)
    down, upgrade = REVISIONS["0003"]
    assert DOWNGRADES["0003"] != FORGETFUL_0003
    project.write_revision("0003_step.py", revision_source("0003", down, upgrade, FORGETFUL_0003))
    for name in (first, second):
        project.inv("db.tenant-create", name)
    project.env["FIXTURE_TENANTS"] = f"{first},{second}"
    kept = project.path.parent / "steward-cache" / "revision-builds"

    left = project.inv("db.downgrade", "-r", "0002", "--all-tenants", "--json", code=76)
    rows = report(left)
    for name in (first, second):
        row = rows[name]
        assert row["outcome"] == "leftovers" and row["exit_code"] == 9, row
        assert (row["before"], row["after"]) == ("0003", "0002"), row
        assert row["differences"] == [
            "column notes.title is in the tenant but not in what 0002 builds"
        ], row
        assert "the downgrade to 0002 left what 0002 does not build" in row["detail"], row
        assert "the downgrade() of 0003 did not undo all its upgrade() made" in row["detail"]
        assert f"`inv db.status --tenants {name}`" in row["detail"], row
    # What 0002 builds was built once and kept, and 0003's too (which differences 0003 can
    # have left is read between the two): a schema tenant reuses them; a database tenant keys
    # them by its own database (two each), never more than two a tenant.
    builds = list(kept.glob("build-*.json"))
    assert len(builds) <= (2 if backend == "postgresql" else 4), builds

    # Undone by hand in the first tenant, as its row says: a downgrade that undoes all of its
    # upgrade then leaves that tenant `downgraded`; the second still holds the column.
    drop_title_by_hand(project, backend, first)
    rows = report(project.inv("db.downgrade", "-r", "0001", "--all-tenants", "--json", code=76))
    assert rows[first]["outcome"] == "downgraded" and rows[first]["exit_code"] == 0, rows
    assert rows[first]["differences"] is None, rows
    assert rows[second]["outcome"] == "leftovers", rows
    assert "column notes.title" in rows[second]["detail"], rows


def make_table_by_hand(project: Project, backend: str, tenant: str) -> None:
    """A table none of the revisions make, made by hand in ``tenant`` before its downgrade."""
    sql = "CREATE TABLE hand_log (id INTEGER PRIMARY KEY)"
    if backend == "postgresql":
        pg_query(project.env["DATABASE_URL"], sql.replace("hand_log", f"{tenant}.hand_log"))
    else:
        main = Path(project.env["DATABASE_URL"].removeprefix("sqlite:///"))
        with sqlite3.connect(main.with_name(f"{main.stem}_{tenant}{main.suffix}")) as connection:
            connection.execute(sql)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_tenant_s_downgrade_does_not_blame_its_revision_for_what_was_there_before(
    tmp_path: Path, backend: str, request
) -> None:
    project, (first, _) = protection_project(tmp_path, backend, request)
    project.inv("db.tenant-create", first)
    project.env["FIXTURE_TENANTS"] = first
    make_table_by_hand(project, backend, first)

    left = project.inv("db.downgrade", "-r", "0002", "--tenants", first, "--json", code=76)

    row = report(left)[first]
    assert row["outcome"] == "leftovers" and row["exit_code"] == 9, row
    assert "did not undo" not in row["detail"], row
    assert "the downgrade() of 0003 undid what its upgrade() made" in row["detail"], row
    assert "table hand_log, which 0003 does not touch, was there before" in row["detail"], row
    assert f"undo those by hand in {first}" in row["detail"], row
    # The closing line names what changes something: the tenant is at 0002 already, so a
    # downgrade run again would only say so.
    closing = left.stderr.strip().splitlines()[-1]
    assert "run the downgrade again" not in closing, closing
    assert f"{first} is at 0002" in closing and "by hand" in closing, closing
    assert f"`inv db.status --tenants {first}`" in closing, closing

    # As `inv db.downgrade -r 0002` on one database already at 0002: nothing to revert.
    again = project.inv("db.downgrade", "-r", "0002", "--tenants", first, "--json")
    assert report(again)[first]["outcome"] == "at target", again.stdout
