"""Each bake's CI runs its suite on the database it was baked for, and only there, and the
previous release's tests on a database upgraded with this commit's expand phase."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


@pytest.mark.parametrize("database", ["postgresql", "mysql"])
def test_server_bake_ci_runs_the_suite_on_its_server_only(cookies, database: str) -> None:
    result = cookies.bake(extra_context={"database": database})
    assert result.exit_code == 0, result.exception
    workflow = (Path(result.project_path) / ".github/workflows/ci.yml").read_text()
    assert "test-sqlite" not in workflow
    assert "inv test -k single_head" in workflow


def test_sqlite_bake_ci_still_tests_on_sqlite(default_bake: Path) -> None:
    assert "test-sqlite" in (default_bake / ".github/workflows/ci.yml").read_text()


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mysql"])
def test_ci_runs_the_previous_release_check_on_a_full_history(cookies, database: str) -> None:
    result = cookies.bake(extra_context={"database": database})
    assert result.exit_code == 0, result.exception
    workflow = yaml.safe_load((Path(result.project_path) / ".github/workflows/ci.yml").read_text())
    job = workflow["jobs"]["previous-release"]
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0  # a shallow clone has no tags to compare with
    runs = [step.get("run") for step in job["steps"]]
    assert runs[-1] == "inv db.previous-release-check"
    server = database != "sqlite"
    assert ("services" in job) == server and ("inv db.wait" in runs) == server
    if server:
        assert job["services"] == workflow["jobs"][f"test-{database}"]["services"]
        assert job["env"] == workflow["jobs"][f"test-{database}"]["env"]
