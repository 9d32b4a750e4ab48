"""`--json` over tenants is a document on every path: a refused argument is `{"error": ...}` on
stdout (its `error:` line still on stderr), and every row that ran carries its exit code.

A tester's `inv db.upgrade --tenants nope --json` left stdout empty, and upgrade rows had
`exit_code: null` where status rows had theirs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from project import Project, one_error_line
from tenant_projects import sqlite_project

DEPLOY = ("python", "-m", "app.migrations")


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("inv", "db.upgrade", "--tenants", "nope"), "'nope' (from --tenants on the command"),
        (("inv", "db.status", "--tenants", "nope"), "'nope' (from --tenants on the command"),
        (("inv", "db.check", "--all-tenants", "--tenants", "east"), "--all-tenants and --tenants"),
        (("inv", "db.downgrade", "--shard", "0/2"), "--shard, --json only apply to a fan-out"),
        ((*DEPLOY, "upgrade", "--tenants", "nope"), "upgrade failed: 'nope' (from --tenants"),
    ],
    ids=["upgrade", "status", "check", "downgrade", "deploy-upgrade"],
)
def test_a_refusal_under_json_is_an_error_document_on_stdout(
    tmp_path: Path, command: tuple[str, ...], said: str
) -> None:
    project = sqlite_project(tmp_path, ["east"])
    refused = project.run(*command, "--json")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    line = one_error_line(refused.stderr)
    document = json.loads(refused.stdout)
    assert list(document) == ["error"] and document["error"] == line.removeprefix("error: ")
    assert said in document["error"], document


def test_a_status_refused_under_json_prints_its_one_document(tmp_path: Path) -> None:
    project = Project.copy_to(tmp_path / "service", DATABASE_URL="sqlite:///nowhere/x/s.db")
    refused = project.run("inv", "db.status", "--json")
    document = json.loads(refused.stdout)  # one document, not two
    assert refused.returncode and "problem" in document and "error" not in document, document


def test_every_upgrade_row_carries_its_exit_code(tmp_path: Path) -> None:
    # `amiss` has no database file, so it fails as the canary, and `east` never starts.
    project = sqlite_project(tmp_path, ["amiss", "east", "west"])
    project.inv("db.tenant-create", "west")
    canary = json.loads(
        project.inv("db.upgrade", "--all-tenants", "--canary=1", "--json", code=76).stdout
    )
    assert [(row["tenant"], row["exit_code"]) for row in canary] == [
        ("amiss", 1),
        ("east", None),  # never started: no code, as no seconds
        ("west", 0),  # at head, as read before the canary: nothing to run
    ]
    project.env["FIXTURE_TENANTS"] = "west"
    ran = json.loads(project.inv("db.upgrade", "--all-tenants", "--json").stdout)
    assert [(row["outcome"], row["exit_code"]) for row in ran] == [("at head", 0)]
