"""What a fan-out a signal stopped says: a status or a check ran nothing, an upgrade names the
tenants it left, and an installed service's advice names commands it has (issue #23).

`db.status --all-tenants` stopped by Ctrl-C said of each tenant "each finished migration
stays applied", and of the run "repair any tenant stopped part-way"; a stopped upgrade said
"run the upgrade again" without naming the tenants; `python -m app.migrations current`, which
the installed form advised for a tenant, takes no tenant options; its replacement, the upgrade
with the same tenants, migrated where only a look was asked for.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from project import Project
from tenant_projects import make_tenant_project

from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_reports import stopped_summary
from alembic_steward.runtime._tenant_reruns import MOST_NAMED, FanOutRun, upgrade_rerun
from alembic_steward.runtime._tenant_runs import TenantOutcome

NOTHING_RAN = "no migration ran and nothing changed"


def sqlite_tenant_project(tmp_path: Path, names: list[str]) -> Project:
    """A service with SQLite database-per-tenant files ``names``, each migrated to head."""
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{tmp_path}/main.db"),
        "database",
        names,
    )
    for name in names:
        project.inv("db.tenant-create", name)
    return project


@pytest.mark.parametrize("action", ["status", "check"])
def test_a_read_a_signal_stops_in_a_worker_says_no_migration_ran(
    tmp_path: Path, action: str
) -> None:
    """The worker's own handler takes a real SIGINT sent while the tenant is read."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    project = sqlite_tenant_project(tmp_path, ["acme"])
    sent: list[str] = []

    def interrupt_first_read(*_arguments) -> None:
        if not sent:
            sent.append("SIGINT")
            os.kill(os.getpid(), signal.SIGINT)

    with project.imported():
        from alembic_steward.runtime._tenancy import Tenant
        from alembic_steward.runtime._tenant_stops import WorkerStop, run_in_worker, stop_in_worker

        previous = signal.signal(signal.SIGINT, stop_in_worker)
        WorkerStop.signum, WorkerStop.running = None, False
        event.listen(Engine, "before_cursor_execute", interrupt_first_read)
        try:
            outcome = run_in_worker(Tenant("acme", "database"), action, "head")
        finally:
            event.remove(Engine, "before_cursor_execute", interrupt_first_read)
            signal.signal(signal.SIGINT, previous)
            WorkerStop.signum = None
    assert sent and outcome.outcome == TenantOutcomeName.STOPPED, outcome
    assert "which only reads the database" in outcome.detail, outcome.detail
    assert NOTHING_RAN in outcome.detail and "stays applied" not in outcome.detail
    assert "the database is at 0003" in outcome.detail, outcome.detail


def test_a_read_whose_worker_sent_no_report_says_no_migration_ran(tmp_path: Path) -> None:
    project = sqlite_tenant_project(tmp_path, ["acme"])
    with project.imported():
        from alembic_steward.runtime._tenancy import Tenant
        from alembic_steward.runtime._tenant_stops import state_read_afterwards

        why = "its worker process ended without a report"
        tenant = Tenant("acme", "database")
        read = state_read_afterwards(tenant, why, reads_only=True)
        upgrade = state_read_afterwards(tenant, why)
    assert NOTHING_RAN in read.detail and "stays applied" not in read.detail, read.detail
    assert read.after == "0003", read
    assert "each finished migration stays applied" in upgrade.detail, upgrade.detail


def stopped_run(names: list[str], started: int) -> list[TenantOutcome]:
    """The outcomes of a run stopped with ``started`` tenants part-way, the rest not run."""
    return [
        TenantOutcome(name, TenantOutcomeName.STOPPED if index < started else "not run")
        for index, name in enumerate(names)
    ]


@pytest.mark.parametrize("action", ["status", "check"])
def test_a_stopped_read_of_the_tenants_closes_saying_nothing_ran(action: str) -> None:
    line = stopped_summary(stopped_run(["a", "b", "c"], 2), action, "SIGINT")
    assert f"SIGINT stopped the {action} of the tenants, which only reads" in line, line
    assert NOTHING_RAN in line and "repair" not in line, line
    assert "2 stopped part-way (a, b" in line and "1 did not start" in line, line


def test_a_stopped_upgrade_names_the_tenants_it_left() -> None:
    outcomes = [
        TenantOutcome("done", TenantOutcomeName.UPGRADED),
        *stopped_run(["a", "b", "c"], 2),
    ]
    run = FanOutRun("head", None, " --all-tenants", None)
    line = stopped_summary(outcomes, "upgrade", "SIGTERM", upgrade_rerun(outcomes, run))
    assert "then run `inv db.upgrade --tenants a,b,c`: it goes on with exactly" in line, line
    assert "run the upgrade again" not in line, line
    # The target and the tenancy given come along; the selection is the names alone.
    run = FanOutRun("0002", None, " --all-tenants --shard 1/2 --tenancy database", "database")
    assert "`inv db.upgrade -r 0002 --tenants a,b,c --tenancy database`" in upgrade_rerun(
        outcomes, run
    )


def test_a_stopped_upgrade_of_many_tenants_reruns_its_own_selection() -> None:
    names = [f"t{index:02}" for index in range(MOST_NAMED + 2)]
    run = FanOutRun("head", "expand", " --all-tenants --shard 0/4", None)
    rerun = upgrade_rerun(stopped_run(names, 2), run)
    assert rerun.startswith("run `inv db.upgrade --phase expand --all-tenants --shard 0/4`: it"), (
        rerun
    )
    assert "only the tenants not at the target (12 are left: t00, t01," in rerun, rerun
    assert "--tenants" not in rerun, rerun


def test_an_installed_services_tenant_advice_names_commands_it_has(project: Project) -> None:
    """`python -m app.migrations current` has no tenant options: its `status` with the same
    selection reads each tenant there, and only reads."""
    from alembic_steward.runtime._tenant_reports import status_summary

    (project.path / "pyproject.toml").unlink()  # installed from a wheel
    running = [
        TenantOutcome(name, TenantOutcomeName.MIGRATION_RUNNING, exit_code=13)
        for name in ("a", "b")
    ]
    outcomes = stopped_run(["a", "b"], 1)
    with project.imported():
        from alembic_steward.runtime._advice import tenant_status_command

        _, waiting = status_summary(running, "2 migration running", " --tenants a,b")
        one = tenant_status_command(" --tenants acme")
        rerun = upgrade_rerun(outcomes, FanOutRun("head", None, " --tenants a,b", None))
    deploy = "python -m app.migrations"
    assert f"check again with `{deploy} status --tenants a,b`" in waiting, waiting
    assert one == f"{deploy} status --tenants acme", one
    assert rerun.startswith(f"run `{deploy} upgrade --tenants a,b`:"), rerun
    assert "current" not in waiting + one + rerun


def test_the_progress_line_counts_stopped_tenants_apart_from_failed_ones() -> None:
    import io

    from alembic_steward.runtime._tenant_reports import progress_printer
    from alembic_steward.runtime._tenant_runs import TenantOutcome

    written = io.StringIO()
    show = progress_printer(written)
    ended = [
        TenantOutcome("q0", "upgraded"),
        TenantOutcome("q1", "stopped"),
        TenantOutcome("q2", "stopped"),
        TenantOutcome("q3", "failed"),
    ]
    show(ended, 6)
    assert written.getvalue() == "tenants: 4/6 done, 1 failed, 2 stopped\n"
