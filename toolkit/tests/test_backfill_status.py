"""`db.backfill status` over tenants: a read that succeeded exits 0 whatever state it reports,
as it does for one database; only a tenant that could not be read makes it fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_backfill_tenants import Tenants, make_sqlite_tenants, rows_of, upgrade_with_notes


@pytest.fixture
def backfilled(tmp_path: Path) -> Tenants:
    """SQLite tenants at 0004 whose backfills have run: acme's record then left running with
    no runner (a run Ctrl-C or a kill stopped), globex's finished."""
    tenants = make_sqlite_tenants(tmp_path)
    project, query, _tenancy, names = tenants
    upgrade_with_notes(tenants)
    project.inv("db.backfill", "run", "notes_title", "--all-tenants")
    query(names[0], "UPDATE alembic_backfills SET state = 'running'")
    query(names[0], "UPDATE notes SET title = NULL WHERE id > 2")
    return tenants


def test_a_status_read_over_tenants_exits_0_whatever_states_it_reports(
    backfilled: Tenants, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic_steward.runtime._backfill_commands import backfill_command
    from alembic_steward.runtime._backfill_tenants import backfill_tenants_command
    from alembic_steward.runtime._tenancy import Tenant, bind_tenant

    project, _query, tenancy, (acme, globex) = backfilled
    with project.imported():
        bind_tenant(Tenant(acme, tenancy))
        try:
            alone = backfill_command("status", "notes_title")
        finally:
            bind_tenant(None)
        said = capsys.readouterr().out
        assert alone == 0 and "stopped (no runner;" in said, said
        for name in ("all", "notes_title"):
            code = backfill_tenants_command("status", name, tenants=None, tenancy=None)
            out, err = capsys.readouterr()
            assert code == 0, out + err
            assert "error:" not in err and "2 tenants: 1 stopped, 1 finished" in out, out + err
        code = backfill_tenants_command("status", "all", tenants=None, tenancy=None, as_json=True)
        rows = rows_of(capsys.readouterr().out)
        assert code == 0 and rows[acme]["outcome"] == "stopped", rows
        # Each row's exit code is the one `db.backfill status` gives that tenant alone.
        assert (rows[acme]["exit_code"], rows[globex]["exit_code"]) == (0, 0), rows

        # A tenant that cannot be read fails the read, and only that one is named.
        (project.path.parent / f"service_{globex}.db").unlink()
        code = backfill_tenants_command("status", "all", tenants=None, tenancy=None)
        out, err = capsys.readouterr()
    assert code == 76, out + err
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"error: 1 of 2 tenants could not be read ({globex})"), line
    assert acme not in line.split(";")[0], line


def test_status_json_on_one_database_is_a_row_per_backfill(tmp_path) -> None:  # noqa: ANN001
    import json

    from project import Project
    from tenant_projects import make_tenant_project
    from test_backfill_tenants import with_backfill

    main = tmp_path / "service.db"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    project = with_backfill(make_tenant_project(project, "database", []))
    project.inv("db.upgrade")
    ran = project.inv("db.backfill", "status", "notes_title", "--json")
    rows = json.loads(ran.stdout)  # the document alone on stdout, as `inv db.status --json`
    assert [(row["name"], row["revision"]) for row in rows] == [("notes_title", "0004")], rows
    assert rows[0]["state"] and rows[0]["text"].startswith("backfill notes_title"), rows
    assert json.loads(project.inv("db.backfill", "status", "all", "--json").stdout) == rows
    installed = project.run("python", "-m", "app.migrations", "backfill", "status", "all", "--json")
    assert json.loads(installed.stdout) == rows, installed.stderr
    unknown = project.inv("db.backfill", "status", "nope", "--json", code=1)
    assert "no revision declares a backfill named 'nope'" in json.loads(unknown.stdout)["error"]
    # A run has no report on one database: --json stays a fan-out's option there.
    refused = project.inv("db.backfill", "run", "notes_title", "--json", code=1)
    assert "only applies to a fan-out" in json.loads(refused.stdout)["error"]
