"""What a backfill's failures leave behind: a refusal by `require_backfill` that costs no more
than the refusal, a status that forgets it once the backfill has finished, and a backfill whose
SQL the database rejects recorded as failed, with advice that does not send the user back into
the same failure.

In-process on SQLite tenants where the fault is dialect-free: a subprocess each would cost a
second.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_backfill_tenants import ROWS, Tenants, make_sqlite_tenants, require_it


@pytest.fixture
def tenants_at_0004(tmp_path: Path) -> Tenants:
    """SQLite database tenants, both at 0004 with ROWS notes to backfill; 0005, requiring the
    backfill, written but not applied."""
    tenants = make_sqlite_tenants(tmp_path)
    project, query, _tenancy, names = tenants
    project.inv("db.upgrade", "--all-tenants")
    values = ", ".join(f"({n}, 'body{n}')" for n in range(1, ROWS + 1))
    for name in names:
        query(name, f"INSERT INTO notes (id, body) VALUES {values}")
    require_it(project)
    return tenants


def test_a_refusal_by_require_backfill_runs_the_migration_once_and_builds_no_scratch_database(
    tenants_at_0004: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic_steward.inspection import _revision_comparison
    from alembic_steward.runtime import _backfill_gate
    from alembic_steward.runtime._tenancy import Tenant
    from alembic_steward.runtime._tenant_runs import run_tenant

    project, _query, tenancy, (acme, _globex) = tenants_at_0004
    checks: list[str] = []
    comparisons: list[object] = []
    check_required = _backfill_gate.check_required
    compare = _revision_comparison.leftovers_and_matching_build

    def counted_check(connection, name, finish_inline_up_to):  # type: ignore[no-untyped-def]
        checks.append(name)
        return check_required(connection, name, finish_inline_up_to)

    def counted_comparison(*args, **kwargs):  # type: ignore[no-untyped-def]
        comparisons.append(args)
        return compare(*args, **kwargs)

    monkeypatch.setattr(_backfill_gate, "check_required", counted_check)
    monkeypatch.setattr(_revision_comparison, "leftovers_and_matching_build", counted_comparison)
    with project.imported():
        refused = run_tenant(Tenant(acme, tenancy), "upgrade", "head")
    assert refused.outcome == "failed" and "requires backfill notes_title" in refused.detail
    # The refusal is about rows, and nothing of the revision outlives its rollback: the state
    # is the version table's, with no scratch database built (which ran the history, 0005's
    # gate among it, again) and no retry.
    assert "rolled back; the database is still at 0004" in refused.detail, refused.detail
    assert checks == ["notes_title"], checks
    assert comparisons == [], comparisons


def test_status_forgets_a_require_backfill_refusal_once_the_backfill_has_finished(
    tenants_at_0004: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic_steward.runtime._backfill_tenants import backfill_tenants_command
    from alembic_steward.runtime._tenancy import Tenant
    from alembic_steward.runtime._tenant_runs import run_tenant

    project, _query, tenancy, (acme, _globex) = tenants_at_0004
    with project.imported():
        tenant = Tenant(acme, tenancy)
        assert run_tenant(tenant, "upgrade", "head").outcome == "failed"
        before = run_tenant(tenant, "status", "head")
        # While the backfill has not run, the failure is what an upgrade would meet again.
        assert "the last upgrade from here failed at revision 0005" in before.detail, before
        assert "would fail the same way" in before.detail, before
        code = backfill_tenants_command("run", "notes_title", tenants=acme, tenancy=None)
        assert code == 0, capsys.readouterr()
        after = run_tenant(tenant, "status", "head")
    # Its cause is gone: the upgrade would pass now, and status says so.
    assert after.outcome == "pending", after
    assert "failed at revision" not in after.detail, after.detail
    assert "would fail the same way" not in after.detail, after.detail
    assert f"pending migrations: run `inv db.upgrade --tenants {acme}`" in after.detail, after
