"""A protected environment refuses destructive commands in one line, under `inv` and raw
`alembic` alike, and its protected list is read strictly (docs/failures.md)."""

from __future__ import annotations

import pytest
from failures import one_error_line, recorded_revisions, write_revision
from project import Project


def test_protected_environment_names_compare_case_insensitively(project: Project) -> None:
    line = one_error_line(project, "inv", "db.reset", APP_ENV="Production")
    assert "refusing to reset a Production database" in line


@pytest.mark.parametrize("setting", ["", " , "])
def test_empty_protected_list_is_refused(project: Project, setting: str) -> None:
    line = one_error_line(project, "inv", "db.downgrade", INVOKE_DB_PROTECTED_ENVIRONMENTS=setting)
    assert "protected environment list is empty" in line


def test_protected_list_from_the_environment_overrides_a_yaml_list(project: Project) -> None:
    (project.path / "invoke.yaml").write_text(
        "db:\n  protected_environments: [production, staging]\n"
    )
    staging_only = {"INVOKE_DB_PROTECTED_ENVIRONMENTS": "qa,staging"}
    completed = project.inv("db.downgrade", env={**staging_only, "APP_ENV": "production"})
    assert "Nothing to revert" in completed.stdout
    line = one_error_line(project, "inv", "db.downgrade", **staging_only, APP_ENV="Staging")
    assert "refusing to downgrade a Staging database" in line
    line = one_error_line(project, "inv", "db.downgrade", INVOKE_DB_PROTECTED_ENVIRONMENTS="")
    assert "protected environment list is empty" in line


def test_raw_alembic_downgrade_and_stamp_need_confirmation_on_a_protected_database(
    project: Project,
) -> None:
    write_revision(project, "first", None, "    pass")
    production = {"APP_ENV": "production"}
    project.inv("db.upgrade", env=production)  # records production in the database
    for command in (["downgrade", "-1"], ["stamp", "base"]):
        refused = project.run("alembic", *command)
        assert refused.returncode == 255, refused.stderr
        assert "alembic -x confirm=production" in refused.stdout
        assert recorded_revisions(project) == {"first"}
    confirmed = project.run("alembic", "-x", "confirm=production", "downgrade", "-1")
    assert confirmed.returncode == 0, confirmed.stderr
    assert recorded_revisions(project) == set()


def test_recorded_environment_is_corrected_by_a_guarded_command(project: Project) -> None:
    write_revision(project, "first", None, "    pass")
    project.inv("db.upgrade", env={"APP_ENV": "production"})
    line = one_error_line(project, "inv", "db.set-environment", "-n", "development")
    assert "refusing to change the recorded environment of a production database" in line
    project.inv("db.set-environment", "-n", "development", "--yes")
    assert project.run("alembic", "downgrade", "-1").returncode == 0
