"""Each bake's CI runs its suite on the database it was baked for, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("database", ["postgresql", "mysql"])
def test_server_bake_ci_runs_the_suite_on_its_server_only(cookies, database: str) -> None:
    result = cookies.bake(extra_context={"database": database})
    assert result.exit_code == 0, result.exception
    workflow = (Path(result.project_path) / ".github/workflows/ci.yml").read_text()
    assert "test-sqlite" not in workflow
    assert "inv test -k single_head" in workflow


def test_sqlite_bake_ci_still_tests_on_sqlite(default_bake: Path) -> None:
    assert "test-sqlite" in (default_bake / ".github/workflows/ci.yml").read_text()
