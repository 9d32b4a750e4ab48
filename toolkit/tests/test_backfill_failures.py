"""What a backfill's failures leave behind: a refusal by `require_backfill` that costs no more
than the refusal, a status that forgets it once the backfill has finished, and a backfill whose
SQL the database rejects recorded as failed, with advice that does not send the user back into
the same failure.

In-process on SQLite tenants where the fault is dialect-free: a subprocess each would cost a
second.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from project import revision_source
from test_backfill_tenants import (
    ROWS,
    Tenants,
    make_sqlite_tenants,
    require_it,
    rows_of,
    upgrade_with_notes,
)

# A wait between batches far longer than any test waits: a runner that ends sooner noticed.
LONG_PAUSE = 40.0
# Two backfills the database refuses: a column that does not exist in `set`, and in `key`.
BROKEN = """from alembic_steward.backfills import Backfill

PENDING = "title IS NULL"

backfills = [
    Backfill(name="typo_col", table="notes", key="id", set="nam = 'y'", pending=PENDING),
    Backfill(name="typo_key", table="notes", key="idd", set="title = body", pending=PENDING),
]
"""


@pytest.fixture
def tenants_at_0004(tmp_path: Path) -> Tenants:
    """SQLite database tenants, both at 0004 with ROWS notes to backfill; 0005, requiring the
    backfill, written but not applied."""
    tenants = make_sqlite_tenants(tmp_path)
    upgrade_with_notes(tenants)
    require_it(tenants[0])
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


@pytest.fixture
def broken_backfills(tmp_path: Path) -> Tenants:
    """SQLite tenants at 0005, which declares BROKEN, with ROWS notes to backfill."""
    tenants = make_sqlite_tenants(tmp_path)
    project, query, _tenancy, names = tenants
    source = revision_source("0005", "0004", "    pass")
    project.write_revision(
        "0005_broken.py",
        source.replace("from alembic import op\n", "from alembic import op\n" + BROKEN),
    )
    project.inv("db.upgrade", "--all-tenants")
    values = ", ".join(f"({n}, 'body{n}')" for n in range(1, ROWS + 1))
    query(names[0], f"INSERT INTO notes (id, body) VALUES {values}")
    return tenants


@pytest.mark.parametrize(
    ("name", "part"), [("typo_col", "its `set` (nam = 'y')"), ("typo_key", "its `key` (idd)")]
)
def test_a_backfill_whose_sql_the_database_refuses_is_failed_with_advice_to_fix_its_declaration(
    broken_backfills: Tenants, capsys: pytest.CaptureFixture[str], name: str, part: str
) -> None:
    from alembic_steward.runtime._backfill_tenants import backfill_tenants_command
    from alembic_steward.runtime._tenancy import Tenant
    from alembic_steward.runtime._tenant_runs import run_tenant

    project, query, tenancy, (acme, _globex) = broken_backfills

    def command(action: str) -> tuple[int, dict]:
        code = backfill_tenants_command(action, name, tenants=acme, tenancy=None, as_json=True)
        return code, rows_of(capsys.readouterr().out)[acme]

    with project.imported():
        code, ran = command("run")
        assert code == 76 and ran["outcome"] == "failed", ran
        line = ran["detail"]
        # Named: the backfill, its revision, the part the database refused and why.
        assert line.startswith(f"backfill {name} (revision 0005) failed in tenant {acme}:"), line
        assert f"{part} was refused by the database: no such column:" in line, line
        fix = f"fix the Backfill declaration in revision 0005, then `inv db.backfill run {name}"
        assert fix in line, line
        state = query(acme, f"SELECT state, error FROM alembic_backfills WHERE name = '{name}'")
        assert state[0][0] == "failed" and part in state[0][1], state
        _code, shown = command("status")
        # A revision requiring it is refused with the same advice, not "run it".
        requiring = revision_source(
            "0006", "0005", f'    require_backfill("{name}", finish_inline_up_to=0)'
        )
        project.write_revision(
            "0006_require.py",
            requiring.replace(
                "from alembic import op\n",
                "from alembic import op\nfrom alembic_steward.backfills import require_backfill\n",
            ),
        )
        refused = run_tenant(Tenant(acme, tenancy), "upgrade", "head").detail
    assert shown["outcome"] == "failed", shown
    assert f"backfill {name} (revision 0005): failed: {part} was refused" in shown["detail"]
    assert fix in shown["detail"] and "resumes it" not in shown["detail"], shown
    assert f"but it failed after 0 rows ({part} was refused by the database:" in refused, refused
    assert fix in refused and refused.count("db.backfill run") == 1, refused


def test_a_paused_runner_lets_go_within_about_a_second_and_a_downgrade_says_it_is_paused(
    tenants_at_0004: Tenants,
) -> None:
    from alembic_steward.runtime._backfill_commands import backfill_engine, load
    from alembic_steward.runtime._backfill_naming import backfill_lock_name
    from alembic_steward.runtime._backfill_runs import run_backfill
    from alembic_steward.runtime._named_locks import holding_named_lock
    from alembic_steward.runtime._tenancy import Tenant, bind_tenant
    from alembic_steward.runtime._tenant_runs import run_tenant

    project, query, tenancy, (acme, _globex) = tenants_at_0004
    (project.versions / "0005_require.py").unlink()
    with project.imported():
        tenant = Tenant(acme, tenancy)
        bind_tenant(tenant)
        try:
            # A runner paused (by `pause`, from elsewhere) just after its first batch, in a
            # long wait before the next: it notices within about a second, not after the wait.
            engine = backfill_engine()

            def paused_elsewhere(_progress: object) -> None:
                query(acme, "UPDATE alembic_backfills SET state = 'paused'")

            started = time.monotonic()
            outcome = run_backfill(
                engine,
                load()[1]["notes_title"],
                resume=False,
                report=paused_elsewhere,
                stop_requested=lambda: False,
                pause_seconds=LONG_PAUSE,
            )
            took = time.monotonic() - started
            assert outcome.ended == "paused" and took < LONG_PAUSE / 4, (outcome, took)
            # A runner that still holds it (its batch running) is named, and the advice is
            # the one that helps: pausing it again would not.
            with holding_named_lock(engine, backfill_lock_name("notes_title")):
                bind_tenant(None)
                refused = run_tenant(tenant, "downgrade", "0003").detail
        finally:
            bind_tenant(None)
    assert "whose backfill notes_title is paused, but its runner still holds it (" in refused
    assert "wait for that runner to exit, or end it now with SIGTERM to its process" in refused
    assert f"(pid {os.getpid()})" in refused and "pause it" not in refused, refused


def test_a_failed_backfills_tenant_row_exits_as_its_status_alone_does(
    broken_backfills: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    """`failed` is a state the status read, as `stopped` or `paused` are: the row's
    `exit_code` and the run's are the code `db.backfill status` gives that tenant alone."""
    from alembic_steward.runtime._backfill_commands import backfill_command
    from alembic_steward.runtime._backfill_tenants import backfill_tenants_command
    from alembic_steward.runtime._tenancy import Tenant, bind_tenant

    project, _query, tenancy, (acme, globex) = broken_backfills
    with project.imported():
        backfill_tenants_command("run", "typo_col", tenants=acme, tenancy=None, as_json=True)
        capsys.readouterr()
        bind_tenant(Tenant(acme, tenancy))
        try:
            alone = backfill_command("status", "typo_col")
        finally:
            bind_tenant(None)
        assert "typo_col (revision 0005): failed:" in capsys.readouterr().out
        code = backfill_tenants_command(
            "status", "typo_col", tenants=None, tenancy=None, as_json=True
        )
        rows = rows_of(capsys.readouterr().out)
    assert rows[acme]["outcome"] == "failed" and rows[globex]["outcome"] == "finished", rows
    assert rows[acme]["exit_code"] == alone == code, (alone, code, rows)


def test_each_backfill_run_row_carries_the_code_its_run_alone_gives(
    broken_backfills: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tester's `db.backfill run NAME --all-tenants --json` rows had `exit_code: null`, the
    failed tenant's too; the upgrade rows have the code `db.upgrade` gives that database."""
    from alembic_steward.runtime._backfill_commands import backfill_command
    from alembic_steward.runtime._backfill_tenants import backfill_tenants_command
    from alembic_steward.runtime._tenancy import Tenant, bind_tenant

    project, _query, tenancy, (acme, globex) = broken_backfills
    with project.imported():
        code = backfill_tenants_command("run", "typo_col", tenants=None, tenancy=None, as_json=True)
        rows = rows_of(capsys.readouterr().out)
        alone = {}
        for name in (acme, globex):
            bind_tenant(Tenant(name, tenancy))
            try:
                alone[name] = backfill_command("run", "typo_col")
            finally:
                bind_tenant(None)
        capsys.readouterr()
        paused = backfill_tenants_command(
            "pause", "typo_col", tenants=None, tenancy=None, as_json=True
        )
        pause_rows = rows_of(capsys.readouterr().out)
    assert rows[acme]["outcome"] == "failed" and rows[globex]["outcome"] == "finished", rows
    assert {name: row["exit_code"] for name, row in rows.items()} == alone == {acme: 1, globex: 0}
    assert code == 76, code
    assert paused == 0 and {row["exit_code"] for row in pause_rows.values()} == {0}, pause_rows
