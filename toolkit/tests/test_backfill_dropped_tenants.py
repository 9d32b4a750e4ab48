"""A tenant's database or schema dropped while its backfill runs: the row says the tenant is
gone and how to make it again, not the driver's "Table '...alembic_backfills' doesn't exist".
"""

from __future__ import annotations

import time

import pytest
from test_backfill_tenants import (
    Tenants,
    mariadb_server_tenants,
    postgresql_tenants,
    rows_of,
    titled,
    upgrade_with_notes,
)

__all__ = ["mariadb_server_tenants", "postgresql_tenants"]  # the fixtures


@pytest.fixture(params=["mariadb_server", "postgresql"])
def server_tenants(request) -> Tenants:
    return request.getfixturevalue(f"{request.param}_tenants")


def test_a_tenant_dropped_under_its_backfill_is_said_gone_with_its_create_command(
    server_tenants: Tenants,
) -> None:
    project, query, tenancy, (acme, _globex) = server_tenants
    upgrade_with_notes(server_tenants)
    running = project.start(
        "inv", "db.backfill", "run", "notes_title", "--tenants", acme, "--pause", "2", "--json"
    )
    deadline = time.monotonic() + 30
    while titled(query, acme) < 2:
        assert time.monotonic() < deadline, "the first batch never came"
        time.sleep(0.05)
    query(acme, f"DROP SCHEMA {acme} CASCADE" if tenancy == "schema" else f"DROP DATABASE {acme}")
    out, err = running.communicate(timeout=60)
    assert running.returncode == 76 and "Traceback" not in err, out + err
    detail = rows_of(out)[acme]["detail"]
    home = "schema" if tenancy == "schema" else "database"
    assert f"the tenant {acme}'s {home} was dropped while the backfill ran" in detail, detail
    assert f"create it again with `inv db.tenant-create {acme}`" in detail, detail
