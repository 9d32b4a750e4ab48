"""Canaries are tenants with something to run; a failed canary reports the others as they are.

A README-only tester ran `--canary 1 --json` over 7 tenants, 6 at head and t_a behind and
failing: every other tenant was `not run` (before, after and exit code null) and the line said
"7 of 7 tenants failed or did not run". And with t_a listed later, the canary was a tenant
already at head, which tests nothing.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from project import Project, one_error_line
from tenant_projects import sqlite_project
from test_tenants import pg_query, schema_project

AT_HEAD = ["t_b", "t_c", "t_d", "t_e", "t_f"]
# Listed after tenants at head: t_a behind and failing, t_h behind and sound.
NAMES = ["t_b", "t_c", "t_a", "t_d", "t_e", "t_f", "t_h"]


def tenants_behind(tmp_path: Path, backend: str, request) -> Project:
    """``NAMES`` at head but for t_a and t_h, at 0001, t_a with rows 0002's index refuses."""
    if backend == "sqlite":
        project = sqlite_project(tmp_path, NAMES)
        for name in NAMES:
            (tmp_path / f"service_{name}.db").touch()  # as `tenant-create` makes it
    else:
        url = request.getfixturevalue("postgresql_url")
        project = schema_project(tmp_path, url, NAMES)
    project.inv("db.upgrade", "--all-tenants")
    project.inv("db.downgrade", "-r", "0001", "--tenants", "t_a,t_h")
    duplicates = "INSERT INTO notes (id, body) VALUES (1, 'same'), (2, 'same')"
    if backend == "sqlite":
        with sqlite3.connect(tmp_path / "service_t_a.db") as connection:
            connection.execute(duplicates)
    else:
        pg_query(
            request.getfixturevalue("postgresql_url"), duplicates.replace("notes", "t_a.notes")
        )
    return project


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_canary_is_a_tenant_behind_and_its_failure_reports_the_others_as_they_are(
    tmp_path: Path, backend: str, request
) -> None:
    project = tenants_behind(tmp_path, backend, request)
    ran = project.inv("db.upgrade", "--all-tenants", "--canary", "1", "--json", code=76)
    rows = {row["tenant"]: row for row in json.loads(ran.stdout)}
    assert rows["t_a"]["outcome"] == "failed", rows["t_a"]
    # Not chosen as the canary, nor run after it failed: where it stands is read all the same.
    assert rows["t_h"]["outcome"] == "not run", rows["t_h"]
    assert rows["t_h"]["before"] == rows["t_h"]["after"] == "0001", rows["t_h"]
    assert "canary" in rows["t_h"]["detail"], rows["t_h"]
    for name in AT_HEAD:
        assert rows[name]["outcome"] == "at head", rows[name]
        assert rows[name]["before"] == rows[name]["after"] == "0003", rows[name]
        assert rows[name]["exit_code"] == 0, rows[name]
    line = one_error_line(ran.stderr)
    assert "2 of 7 tenants failed or did not run (t_a, t_h)" in line, line


def test_a_canary_over_tenants_all_at_head_says_none_had_anything_to_run(tmp_path: Path) -> None:
    project = sqlite_project(tmp_path, ["east", "west", "north"])
    for name in ("east", "west", "north"):
        (tmp_path / f"service_{name}.db").touch()
    project.inv("db.upgrade", "--all-tenants")
    ran = project.inv("db.upgrade", "--all-tenants", "--canary", "2", "--json")
    rows = json.loads(ran.stdout)
    assert [row["outcome"] for row in rows] == ["at head"] * 3, rows
    said = [line for line in ran.stderr.splitlines() if "canary" in line]
    assert said == ["note: --canary 2: no tenant has anything to run, so none ran as a canary"]
