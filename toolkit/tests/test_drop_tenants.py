"""`db.drop` and `db.reset` say what they did to the tenants beside the service's database.

A README-only tester saw `inv db.drop` on a schema-tenant service drop every tenant schema
with one line, "Dropped the database X", and leave database tenants behind, silently too.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from test_backfill_tenants import Tenants, postgresql_tenants, sqlite_tenants

__all__ = ["postgresql_tenants", "sqlite_tenants"]  # the fixtures


def test_dropping_a_schema_tenant_service_counts_the_tenant_schemas_it_took(
    postgresql_tenants: Tenants,
) -> None:
    project, _query, _tenancy, (acme, globex) = postgresql_tenants
    reset = project.inv("db.reset", "--yes").stdout
    assert f"Left the 2 tenant schemas ({acme}, {globex}) as they are" in reset, reset
    dropped = project.inv("db.drop", "--yes").stdout
    assert f"With it went its 2 tenant schemas ({acme}, {globex})." in dropped, dropped


def test_dropping_a_database_tenant_service_says_the_tenant_databases_are_left(
    sqlite_tenants: Tenants, tmp_path: Path
) -> None:
    project, _query, _tenancy, (acme, globex) = sqlite_tenants
    sqlite3.connect(tmp_path / "service.db").close()
    dropped = project.inv("db.drop", "--yes").stdout
    assert f"Left the 2 tenant database files ({acme}, {globex}) as they are" in dropped
    assert "no task drops a tenant's; delete the files" in dropped, dropped
    assert (tmp_path / f"service_{acme}.db").is_file()
