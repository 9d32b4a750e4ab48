"""A command run without --all-tenants in a service with tenants says the tenants were left out.

`inv db.upgrade` migrated DATABASE_URL's own database, exited 0, and said nothing of the
tenants still behind; `db.backfill` already said so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from project import Project
from tenant_projects import make_tenant_project, sqlite_project

LEFT_OUT = "2 tenants (app.tenants:list_tenants lists them) are not included"


@pytest.mark.parametrize(
    ("command", "code", "advice"),
    [
        (("inv", "db.upgrade"), 0, "`inv db.upgrade --all-tenants`"),
        (("inv", "db.status"), 0, "`inv db.status --all-tenants`"),
        (("inv", "db.check"), 0, "`inv db.check --all-tenants`"),
        (
            ("inv", "db.downgrade", "-r", "0002", "--yes"),
            0,
            "`inv db.downgrade -r 0002 --all-tenants`",
        ),
        (("python", "-m", "app.migrations", "upgrade"), 0, "add --all-tenants"),
    ],
    ids=["upgrade", "status", "check", "downgrade", "deploy-upgrade"],
)
def test_a_main_database_command_says_the_tenants_are_not_included(
    tmp_path: Path, command: tuple[str, ...], code: int, advice: str
) -> None:
    project = sqlite_project(tmp_path, ["north", "south"])
    for name in ("north", "south"):
        project.inv("db.tenant-create", name)
    if command[1] != "db.upgrade" and command[-1] != "upgrade":
        project.inv("db.upgrade")
    completed = project.run(*command)
    assert completed.returncode == code, completed.stdout + completed.stderr
    notes = [line for line in completed.stderr.splitlines() if LEFT_OUT in line]
    assert len(notes) == 1, completed.stderr
    assert notes[0].startswith("note: ") and advice in notes[0], notes[0]
    # Not a word of it once the command runs over the tenants, nor with none listed.
    over = project.inv("db.upgrade", "--all-tenants")
    assert "not included" not in over.stdout + over.stderr
    project.env["FIXTURE_TENANTS"] = ""
    assert "not included" not in project.run(*command).stderr


@pytest.mark.parametrize("server", ["sqlite", "postgresql", "mysql"])
def test_an_installed_service_s_advice_names_only_commands_it_has(
    tmp_path: Path, server: str, request: pytest.FixtureRequest
) -> None:
    if server == "sqlite":
        project = sqlite_project(tmp_path, ["north", "south"])
    elif server == "postgresql":
        url = request.getfixturevalue("postgresql_url")
        project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
        project = make_tenant_project(project, "schema", ["north", "south"])
    else:
        url, names = request.getfixturevalue("mysql_tenants")
        project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
        project = make_tenant_project(project, "database", ["north", "south"])
        project.env["FIXTURE_TENANTS"] = ",".join(names[:2])
    first = project.env["FIXTURE_TENANTS"].split(",")[0]
    (project.path / "pyproject.toml").unlink()  # installed from a wheel: app/ alone, no inv
    upgraded = project.run("python", "-m", "app.migrations", "upgrade", "--all-tenants")
    assert upgraded.returncode == 76, upgraded.stdout + upgraded.stderr
    said = upgraded.stdout + upgraded.stderr
    assert f"`python -m app.migrations tenant-create {first}`" in said, said
    assert "inv " not in said, said
    main = project.run("python", "-m", "app.migrations", "upgrade")
    assert main.returncode == 0, main.stderr
    assert "add --all-tenants (`python -m app.migrations upgrade --all-tenants`)" in main.stderr
    assert "inv " not in main.stdout + main.stderr, main.stderr
