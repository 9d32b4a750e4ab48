"""Fixing an applied revision's Backfill declaration, as a failed backfill's line advises, is
no edit of what the revision did to the database.

A README-only tester followed that advice ("fix the Backfill declaration in revision 0006,
then `inv db.backfill run ...`") and was stuck at `edited revision` (exit 8), told to accept
an edit with a command that could not reach the tenant. A declaration is read by `db.backfill`,
never run by the migration: the checksum leaves it out.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from project import Project
from tenant_projects import make_tenant_project
from test_backfill_tenants import with_backfill

from alembic_steward._checksum_format import whole_file_checksum


def tenant_service(tmp_path: Path, url: str = "", name: str = "acme") -> tuple[Project, Path]:
    """A service with one database tenant ``name`` (SQLite files, or on ``url``'s server)."""
    url = url or f"sqlite:///{tmp_path / 'service.db'}"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
    project = with_backfill(make_tenant_project(project, "database", [name]))
    project.inv("db.tenant-create", name)
    return project, project.versions / "0004_backfill.py"


@pytest.fixture(params=["sqlite", "mysql"])
def service(request, tmp_path: Path) -> tuple[Project, Path, str]:  # noqa: ANN001
    """The tenant service on SQLite, or on MariaDB (its tenant dropped by the fixture)."""
    if request.param == "sqlite":
        return (*tenant_service(tmp_path), "acme")
    main, databases = request.getfixturevalue("mariadb_tenants")
    name = databases[0].url.rsplit("/", 1)[1]
    return (*tenant_service(tmp_path, main.url, name), name)


def test_a_fixed_backfill_declaration_is_not_an_edited_revision(
    service: tuple[Project, Path, str],
) -> None:
    project, revision, name = service
    revision.write_text(revision.read_text().replace("batch_size=2", "batch_size=3"))
    project.inv("db.status", "--tenants", name)  # exit 0: at head, nothing edited
    project.inv("db.backfill", "run", "notes_title", "--tenants", name)
    # What the migration does still counts.
    revision.write_text(revision.read_text().replace("    pass\n", "    op.execute('SELECT 1')\n"))
    edited = project.inv("db.status", "--tenants", name, "--json", code=76)
    assert '"edited revision"' in edited.stdout, edited.stdout


def test_a_checksum_recorded_before_declarations_were_left_out_still_matches(
    tmp_path: Path,
) -> None:
    project, revision = tenant_service(tmp_path)
    # As an older toolkit recorded it: the whole file's, declaration and all.
    with sqlite3.connect(tmp_path / "service_acme.db") as connection:
        connection.execute(
            "UPDATE alembic_revision_checksums SET sha256 = ? WHERE revision = '0004'",
            (whole_file_checksum(revision.read_text()),),
        )
    project.inv("db.status", "--tenants", "acme")


def test_an_edited_tenant_revision_s_advice_names_accept_edit_for_that_tenant(
    service: tuple[Project, Path, str],
) -> None:
    import json

    project, revision, name = service
    revision.write_text(revision.read_text().replace("    pass\n", "    op.execute('SELECT 1')\n"))
    ran = project.inv("db.status", "--tenants", name, "--json", code=76)
    detail = json.loads(ran.stdout)[0]["detail"]
    assert f"`inv db.accept-edit -r 0004 --tenants {name}`" in detail, detail
    # That command acts on the tenant, not on DATABASE_URL's own database.
    accepted = project.inv("db.accept-edit", "-r", "0004", "--tenants", name)
    assert f"tenant {name}: accepted the edit of 0004" in accepted.stdout, accepted.stdout
    project.inv("db.status", "--tenants", name)
