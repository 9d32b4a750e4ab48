"""`inv db.accept-edit -r REV --all-tenants` accepts an edit in every tenant that reports it.

Every tenant's row said `edited revision`, and `--all-tenants` was "No idea what
'--all-tenants' is!"; the repairs that cannot go over every tenant at once say why.
"""

from __future__ import annotations

from pathlib import Path

from project import Project, one_error_line
from tenant_projects import make_tenant_project


def edited_fleet(tmp_path: Path) -> Project:
    """Tenants north and south at head, west at 0002; then 0003's file is edited."""
    main = tmp_path / "service.db"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    project = make_tenant_project(project, "database", ["north", "south", "west"])
    for name in ("north", "south", "west"):
        project.inv("db.tenant-create", name)
    project.inv("db.downgrade", "-r", "0002", "--tenants", "west", "--yes")
    (revision,) = project.versions.glob("0003_*.py")
    source = revision.read_text()
    revision.write_text(
        source.replace("    op.add_column(", "    op.execute('SELECT 1')\n    op.add_column(")
    )
    return project


def test_accept_edit_over_every_tenant_accepts_where_it_is_edited(tmp_path: Path) -> None:
    project = edited_fleet(tmp_path)
    edited = project.inv("db.status", "--all-tenants", "--json", code=76)
    assert edited.stdout.count('"edited revision"') == 2, edited.stdout
    accepted = project.inv("db.accept-edit", "-r", "0003", "--all-tenants")
    lines = accepted.stdout.splitlines()
    assert "tenant north: accepted the edit of 0003" in lines[0], lines
    assert "tenant south: accepted the edit of 0003" in lines[1], lines
    assert lines[2].startswith("tenant west: nothing to accept: there is no edit to accept"), lines
    project.inv("db.status", "--tenants", "north,south")
    # --tenants and --all-tenants are one choice.
    both = project.inv(
        "db.accept-edit", "-r", "0003", "--all-tenants", "--tenants", "north", code=1
    )
    assert "--all-tenants or --tenants" in one_error_line(both.stderr)


def test_accept_edit_over_every_tenant_fails_for_a_tenant_it_cannot_reach(tmp_path: Path) -> None:
    project = edited_fleet(tmp_path)
    (tmp_path / "service_south.db").unlink()
    failed = project.inv("db.accept-edit", "-r", "0003", "--all-tenants", code=1)
    assert "tenant north: accepted the edit of 0003" in failed.stdout, failed.stdout
    line = one_error_line(failed.stderr)
    assert "1 of 3 tenants failed (south)" in line and "has no database file" in failed.stdout


def test_repairs_of_one_tenant_say_why_they_take_no_all_tenants(tmp_path: Path) -> None:
    project = edited_fleet(tmp_path)
    for command in (("db.stamp", "-r", "0003"), ("db.clear-migration-mark",)):
        refused = project.inv(*command, "--all-tenants", code=1)
        line = one_error_line(refused.stderr)
        assert "acts on one tenant at a time" in line and "--tenants NAME" in line, line
        assert "No idea" not in refused.stderr
    for command in (("stamp", "0003", "--yes"), ("clear-migration-mark",)):
        refused = project.run("python", "-m", "app.migrations", *command, "--all-tenants")
        assert refused.returncode == 1, refused.stderr
        line = one_error_line(refused.stderr)
        assert f"`python -m app.migrations {command[0]}` acts on one tenant at a time" in line
