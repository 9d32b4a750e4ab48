"""A tenant whose MySQL/MariaDB migration stopped half-way is repaired with `--tenants NAME`.

The fan-out's report used to advise `inv db.stamp -r REV` and `inv db.clear-migration-mark`,
which act on DATABASE_URL's own database: following the advice left the tenant as it was, and
the rerun failed the same way. The advice now names the tenant, and those commands (and the
installed service's `python -m app.migrations stamp|clear-migration-mark`) take `--tenant`.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from project import Project, one_error_line
from servers import ServerDatabase, connect_admin, with_database
from tenant_projects import PREFIX, make_tenant_project, server_url

HEAD = "0003"
DEPLOY = ("python", "-m", "app.migrations")


def report(completed) -> dict[str, dict]:
    """The JSON report of a fan-out run, by tenant."""
    return {row["tenant"]: row for row in json.loads(completed.stdout)}


def name_of(database: ServerDatabase) -> str:
    return database.url.rsplit("/", 1)[1]


def run(project: Project, form: str, *arguments: str, code: int = 0):
    """Run a command as a checkout runs it (`inv db.X`) or an installed service (`python -m`)."""
    if form == "inv":
        return project.inv(*arguments, code=code)
    deploy = {
        "db.upgrade": ("upgrade",),
        "db.stamp": ("stamp",),
        "db.clear-migration-mark": ("clear-migration-mark",),
    }[arguments[0]]
    rest = [argument for argument in arguments[1:] if argument != "-r"]
    if deploy == ("stamp",):
        rest.append("--yes")
    completed = project.run(*DEPLOY, *deploy, *rest)
    assert completed.returncode == code, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def tenants_whose_first_will_stop_half_way(
    tmp_path: Path, mariadb_tenants
) -> tuple[Project, ServerDatabase, list[str]]:
    """Two MariaDB database tenants at head, the first put back at 0001 with `applied` out of
    the way: its next upgrade makes 0002's index (DDL commits at once on MariaDB), then its
    INSERT fails: half-applied, its mark left. (project, that tenant's database, the names)."""
    main, (broken, other) = mariadb_tenants
    names = [name_of(broken), name_of(other)]
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=main.url), "database", names
    )
    for name in names:
        project.inv("db.tenant-create", name)
    broken.query("DELETE FROM alembic_version")
    broken.query("INSERT INTO alembic_version VALUES ('0001')")
    broken.query("DROP INDEX ix_notes_body ON notes")
    broken.query("ALTER TABLE notes DROP COLUMN title")
    broken.query("DELETE FROM applied WHERE revision <> '0001'")
    # Put back as if 0002 and 0003 had never run, their checksum rows too (else every upgrade
    # refuses to run them again: runtime/_already_applied.py).
    broken.query("DELETE FROM alembic_revision_checksums WHERE revision <> '0001'")
    broken.query("RENAME TABLE applied TO applied_away")
    return project, broken, names


@pytest.mark.parametrize(
    ("repair", "form"), [("finished by hand", "inv"), ("undone by hand", "deploy")]
)
def test_the_advice_a_stopped_tenant_gets_repairs_that_tenant_alone(
    tmp_path: Path, mariadb_tenants, repair: str, form: str
) -> None:
    main, (_, other) = mariadb_tenants
    project, broken, names = tenants_whose_first_will_stop_half_way(tmp_path, mariadb_tenants)
    if form == "deploy":
        (project.path / "pyproject.toml").unlink()  # installed from a wheel: no `inv` there
    tenant = names[0]
    deploy = " ".join(DEPLOY)
    stamp = "inv db.stamp -r 0002" if form == "inv" else f"{deploy} stamp 0002 --yes"
    clear = "inv db.clear-migration-mark" if form == "inv" else f"{deploy} clear-migration-mark"

    failed = report(run(project, form, "db.upgrade", "--all-tenants", "--json", code=76))
    assert failed[names[1]]["outcome"] == "at head"
    detail = failed[tenant]["detail"]
    assert f"`{stamp} --tenants {tenant}`" in detail, detail
    assert f"`{clear} --tenants {tenant}`" in detail, detail
    # Rerun untouched: refused by the mark, with the same advice.
    rerun = report(run(project, form, "db.upgrade", "--all-tenants", "--json", code=76))
    assert f"`{clear} --tenants {tenant}`" in rerun[tenant]["detail"]

    broken.query("RENAME TABLE applied_away TO applied")
    if repair == "finished by hand":
        broken.query("INSERT INTO applied (revision) VALUES ('0002')")
        stamped = run(project, form, "db.stamp", "-r", "0002", "--tenant", tenant).stdout
        assert f"tenant {tenant}: stamped the database at 0002." in stamped
        assert "cleared the mark of the run that stopped after revision 0001" in stamped
        assert broken.revisions() == {"0002"}
    else:
        broken.query("DROP INDEX ix_notes_body ON notes")
        cleared = run(project, form, "db.clear-migration-mark", "--tenant", tenant).stdout
        assert f"tenant {tenant}: cleared the mark of the run that stopped" in cleared
        assert f"upgrade --tenants {tenant}` runs 0002 again" in cleared, cleared
        assert broken.revisions() == {"0001"}

    fixed = report(run(project, form, "db.upgrade", "--all-tenants", "--json"))
    assert fixed[tenant]["outcome"] == "upgraded" and fixed[tenant]["after"] == HEAD
    assert fixed[names[1]]["outcome"] == "at head"
    for database in (broken, other):
        assert sorted(database.query("SELECT revision FROM applied")) == [
            ("0001",),
            ("0002",),
            ("0003",),
        ]
    # The repair touched no other database: DATABASE_URL's own got no version, no mark.
    assert main.tables() == set()


def test_a_repair_of_a_tenant_that_does_not_exist_is_one_line_and_changes_nothing(
    tmp_path: Path,
) -> None:
    main = tmp_path / "service.db"
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}"),
        "database",
        ["north", "ghost"],
    )
    said = "the tenant 'ghost' has no database file"
    cleared = project.inv("db.clear-migration-mark", "--tenant", "ghost", code=1)
    assert said in one_error_line(cleared.stderr) and "nothing was changed" in cleared.stderr
    stamped = project.inv("db.stamp", "-r", HEAD, "--tenant", "ghost", code=1)
    assert said in one_error_line(stamped.stderr)
    deployed = project.run(*DEPLOY, "stamp", HEAD, "--yes", "--tenant", "ghost")
    assert deployed.returncode == 1 and said in one_error_line(deployed.stderr)
    assert not (tmp_path / "service_ghost.db").exists()
    unnamed = project.inv("db.clear-migration-mark", "--tenancy", "database", code=1)
    assert "name the tenant with --tenant" in one_error_line(unnamed.stderr)
    assert not main.exists()


def test_a_stamp_of_a_schema_tenant_records_it_in_that_schema_alone(tmp_path: Path) -> None:
    url = server_url("TEST_POSTGRESQL_URL")
    name = f"{PREFIX}repairs_{secrets.token_hex(4)}"
    admin = connect_admin("postgresql", url)
    try:
        admin.execute(f"CREATE DATABASE {name}")
        database = ServerDatabase("postgresql", with_database(url, name))
        for schema in ("north", "south"):
            database.query(f"CREATE SCHEMA {schema}")
        project = make_tenant_project(
            Project.copy_to(tmp_path / "service", DATABASE_URL=database.url),
            "schema",
            ["north", "south"],
        )
        project.inv("db.upgrade", "--all-tenants")
        stamped = project.inv("db.stamp", "-r", "0002", "--tenant", "north").stdout
        assert "tenant north: stamped the database at 0002." in stamped
        assert database.query("SELECT version_num FROM north.alembic_version") == [("0002",)]
        assert database.query("SELECT version_num FROM south.alembic_version") == [(HEAD,)]
        assert database.tables() == set()  # public: no version table of its own
        cleared = project.inv("db.clear-migration-mark", "--tenant", "north").stdout
        assert "tenant north: PostgreSQL rolls failed migrations back" in cleared
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def test_a_stamp_over_a_mark_is_refused_while_the_schema_is_not_what_rev_builds(
    tmp_path: Path, mariadb_tenants
) -> None:
    """A stamp cleared the mark and recorded 0003 though 0003's column was not there (status
    then said the database differs); clear-migration-mark refuses the matching case."""
    main, (broken, _) = mariadb_tenants
    tenant = name_of(broken)
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=main.url), "database", [tenant]
    )
    project.inv("db.tenant-create", tenant)
    # A run stopped in 0003 before its column was made: at 0002, with its mark.
    broken.query("ALTER TABLE notes DROP COLUMN title")
    broken.query("UPDATE alembic_version SET version_num = '0002'")
    broken.query("INSERT INTO alembic_migration_in_progress VALUES ('0002')")

    refused = project.inv("db.stamp", "-r", HEAD, "--tenant", tenant, code=1)
    line = one_error_line(refused.stderr)
    assert "differs from what 0003 builds by:" in line and "title" in line, line
    assert "--accept-differences" in line and line.count("nothing was changed") == 1, line
    assert broken.revisions() == {"0002"}
    assert broken.query("SELECT * FROM alembic_migration_in_progress") == [("0002",)]
    accepted = project.inv("db.stamp", "-r", HEAD, "--tenant", tenant, "--accept-differences")
    assert f"tenant {tenant}: stamped the database at 0003." in accepted.stdout
    assert broken.revisions() == {HEAD}
