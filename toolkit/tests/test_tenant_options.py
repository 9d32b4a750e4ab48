"""The fan-out's options and closing lines, as a new user met them: `--json` with nothing to
run, advice to paste, conflicting or senseless options, a server that cannot be reached, and
the same `--parallel` default said by `inv` and `python -m`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from project import Project, one_error_line
from tenant_projects import make_tenant_project, sqlite_project

from alembic_steward.runtime._tenant_pool import PARALLEL_DEFAULT
from alembic_steward.runtime._tenant_reports import summary_line
from alembic_steward.runtime._tenant_runs import TenantOutcome

DEPLOY = ("python", "-m", "app.migrations")


def test_json_with_no_tenant_to_run_prints_an_empty_report(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, [])
    ran = project.inv("db.upgrade", "--all-tenants", "--json")
    assert json.loads(ran.stdout) == [] and "there are no tenants" in ran.stderr
    project.env["FIXTURE_TENANTS"] = "solo"
    idle = 1  # a lone tenant is the first dealt: shard 0 owns it
    sharded = project.run(*DEPLOY, "upgrade", "--all-tenants", f"--shard={idle}/2", "--json")
    assert sharded.returncode == 0 and json.loads(sharded.stdout) == [], sharded.stderr
    assert f"shard {idle}/2 owns none of the tenants" in sharded.stderr


def test_advice_to_create_a_tenant_is_a_command_to_paste(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, ["east"])
    checkout = project.inv("db.upgrade", "--all-tenants", "--json", code=76)
    assert "create it with `inv db.tenant-create east`" in checkout.stdout
    (project.path / "pyproject.toml").unlink()  # installed from a wheel: no `inv` there
    installed = project.run(*DEPLOY, "upgrade", "--all-tenants", "--json")
    assert "create it with `python -m app.migrations tenant-create east`" in installed.stdout


@pytest.mark.parametrize(
    "command",
    [
        ("inv", "db.upgrade", "--all-tenants", "--tenants", "east"),
        ("inv", "db.status", "--all-tenants", "--tenants", "east"),
    ],
)
def test_all_tenants_and_named_tenants_together_are_refused(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    project = sqlite_project(tmp_path, ["east", "west"])
    refused = project.run(*command)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "--all-tenants and --tenants name different sets" in one_error_line(refused.stderr)
    assert not list(tmp_path.glob("*.db"))


@pytest.mark.parametrize("count", ["0", "-2"])
@pytest.mark.parametrize("form", ["inv", "deploy"])
def test_parallel_below_one_is_refused_in_one_line(tmp_path: Path, count: str, form: str) -> None:
    project = sqlite_project(tmp_path, ["east"])
    prefix = ("inv", "db.upgrade") if form == "inv" else (*DEPLOY, "upgrade")
    refused = project.run(*prefix, "--all-tenants", f"--parallel={count}")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    line = one_error_line(refused.stderr)
    assert f"--parallel {count} is not a number of worker processes (1 or more)" in line
    assert not list(tmp_path.glob("*.db"))


@pytest.mark.parametrize("revision", ["zzz", "000"], ids=["unknown", "ambiguous"])
def test_a_revision_the_history_lacks_is_refused_once_before_any_tenant(
    tmp_path: Path, revision: str
) -> None:
    project = sqlite_project(tmp_path, ["east"])
    project.inv("db.tenant-create", "east")
    alone = one_error_line(project.inv("db.upgrade", "-r", revision, code=1).stderr)
    for action in ("upgrade", "downgrade"):
        refused = project.inv(f"db.{action}", "-r", revision, "--all-tenants", code=1)
        assert one_error_line(refused.stderr) == alone and "tenants:" not in refused.stderr


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("inv", "db.upgrade", "--all-tenants", "--canary", "abc"), "--canary abc is not a number"),
        (("inv", "db.check", "--canary=-1"), "--canary -1 is not a number of tenants (0 or more)"),
        (("inv", "db.backfill", "run", "x", "--pause", "abc"), "--pause abc is not a number"),
        (("inv", "db.backfill", "run", "x", "--pause=-1"), "--pause -1 is not a number of seconds"),
        ((*DEPLOY, "backfill", "run", "x", "--pause=-1"), "--pause -1 is not a number of seconds"),
    ],
    ids=["canary-text", "canary-negative", "pause-text", "pause-negative", "deploy-pause"],
)
def test_a_bad_option_value_is_refused_in_one_line_before_anything_runs(
    tmp_path: Path, command: tuple[str, ...], said: str
) -> None:
    project = sqlite_project(tmp_path, ["east"])
    refused = project.run(*command)
    assert refused.returncode in (1, 2) and "Traceback" not in refused.stderr, refused.stderr
    # argparse's usage comes first in `python -m`'s (as for any of its options), then the line.
    deploy = command[0] == "python"
    line = refused.stderr.splitlines()[-1] if deploy else one_error_line(refused.stderr)
    assert said in line and "ValueError" not in refused.stderr
    assert not list(tmp_path.glob("*.db"))


def test_both_forms_say_the_same_true_parallel_default(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, [])
    assert "one per core, at most 4" in PARALLEL_DEFAULT
    for command in (("inv", "--help", "db.upgrade"), (*DEPLOY, "upgrade", "--help")):
        shown = " ".join(project.run(*command).stdout.split())
        assert PARALLEL_DEFAULT in shown, shown


def test_a_server_no_tenant_can_reach_is_said_of_the_server(tmp_path: Path) -> None:
    # Nothing listens on port 9 (discard) of this machine: every connection is refused.
    url = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=url), "schema", ["east", "west"]
    )
    upgraded = project.inv("db.upgrade", "--all-tenants", code=1)
    line = one_error_line(upgraded.stderr)
    assert line.startswith("error: none of the 2 tenants could be reached, so nothing was run")
    assert "unaffected" not in line
    project.inv("db.status", "--all-tenants", code=5)


@pytest.mark.parametrize(
    ("action", "again"),
    [
        ("upgrade", "run the upgrade again: it runs only the tenants not at the target"),
        ("check", "run the check again: it compares each tenant afresh"),
        ("status", "read the status again: each tenant is read afresh"),
    ],
)
def test_each_command_s_closing_line_says_what_running_it_again_does(
    action: str, again: str
) -> None:
    outcomes = [TenantOutcome("acme", "failed", detail="boom"), TenantOutcome("b", "at head")]
    code, line = summary_line(outcomes, action)
    assert code == 76 and line.endswith(again), line
    assert ("unaffected" in line) == (action == "upgrade")


def test_a_canary_as_large_as_the_fleet_says_so_and_runs_them_all(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, ["east", "west"])
    for name in ("east", "west"):
        project.inv("db.tenant-create", name)
    ran = project.inv("db.upgrade", "--all-tenants", "--canary", "5", "--json")
    said = [line for line in ran.stderr.splitlines() if "canary" in line]
    assert said == [
        "note: --canary 5 covers all 2 tenants, so the canary is the whole fleet: they run as"
        " without --canary"
    ], ran.stderr
    assert [row["outcome"] for row in json.loads(ran.stdout)] == ["at head", "at head"]
