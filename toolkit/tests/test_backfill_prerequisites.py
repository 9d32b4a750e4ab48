"""`db.status` behind a revision whose `require_backfill` would refuse the upgrade names the
backfill to finish first (and the tenant), not the upgrade.

A README-only tester was told "run `inv db.upgrade`" for a database whose next revision
requires an unfinished backfill: that upgrade was refused.
"""

from __future__ import annotations

from backfill_histories import history_with_backfill, require_in_next_revision
from project import Project
from servers import ServerDatabase, only_on
from test_backfill_tenants import (
    Tenants,
    mariadb_server_tenants,
    postgresql_tenants,
    require_it,
    rows_of,
    sqlite_tenants,
    tenants,
    upgrade_with_notes,
)
from test_drift_detection import inv

# The fixture, parametrized over the servers, and the ones it asks for.
__all__ = ["mariadb_server_tenants", "postgresql_tenants", "sqlite_tenants", "tenants"]


@only_on(
    "sqlite",
    "postgresql",
    why="the advice reads the backfill's records alike everywhere; PostgreSQL's backfill runs"
    " its own RETURNING branch",
)
def test_status_names_the_backfill_a_pending_revision_requires_before_the_upgrade(
    project: Project, database: ServerDatabase
) -> None:
    history_with_backfill(project, database)
    require_in_next_revision(project, database, "bf0001")
    status = inv(project, database, "db.status", code=2)
    first = (
        "revision bf0002 requires backfill users_lower (declared by revision bf0001) to have"
        " finished, and more than 10 of its rows are pending here, so `inv db.upgrade` would be"
        " refused: `inv db.backfill run users_lower` finishes it first, then run `inv db.upgrade`"
    )
    assert first in status, status
    assert '"backfill_first": "pending migrations, but revision bf0002' in inv(
        project, database, "db.status", "--json", code=2
    )
    inv(project, database, "db.backfill", "run", "users_lower")
    assert "pending migrations: run `inv db.upgrade`" in inv(project, database, "db.status", code=2)


def test_a_tenant_s_status_row_names_its_own_backfill_run(tenants: Tenants) -> None:
    project, _query, _tenancy, (acme, globex) = tenants
    upgrade_with_notes(tenants)
    project.inv("db.backfill", "run", "notes_title", "--tenants", globex)
    require_it(project)
    ran = project.run("inv", "db.status", "--all-tenants", "--json")
    rows = rows_of(ran.stdout)
    detail = rows[acme]["detail"]
    assert f"`inv db.backfill run notes_title --tenants {acme}` finishes it first" in detail
    assert f"then run `inv db.upgrade --tenants {acme}`" in detail, detail
    assert "requires backfill" not in rows[globex]["detail"], rows[globex]


def test_the_closing_line_sends_a_tenant_needing_a_backfill_to_its_row_not_the_upgrade(
    tenants: Tenants,
) -> None:
    """The closing line advised `inv db.upgrade --all-tenants`, which the backfill's tenant
    then refused (exit 76): it names that tenant's row, and the upgrade for the others."""
    project, _query, _tenancy, (acme, globex) = tenants
    upgrade_with_notes(tenants)
    project.inv("db.backfill", "run", "notes_title", "--tenants", globex)
    require_it(project)
    ran = project.run("inv", "db.status", "--all-tenants")
    assert ran.returncode == 76, ran.stderr
    closing = (ran.stdout + ran.stderr).strip().splitlines()[-1]
    assert "db.upgrade --all-tenants" not in closing, closing
    assert f"for {acme} the upgrade would be refused or fail" in closing, closing
    assert f"for the rest run `inv db.upgrade --tenants {globex}" in closing, closing
    project.inv("db.upgrade", "--tenants", globex)


def test_when_every_behind_tenant_is_blocked_the_closing_line_names_no_upgrade() -> None:
    from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
    from alembic_steward.runtime._tenant_reports import pending_advice
    from alembic_steward.runtime._tenant_runs import TenantOutcome

    blocked = [
        TenantOutcome(name, TenantOutcomeName.PENDING, exit_code=2, upgrade_blocked=True)
        for name in ("a", "b")
    ]
    advice = pending_advice(blocked, " --all-tenants")
    assert advice.startswith("for a, b the upgrade would be refused or fail"), advice
    assert "db.upgrade" not in advice and "for the rest" not in advice, advice
