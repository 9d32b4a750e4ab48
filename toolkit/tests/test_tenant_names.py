"""Only a tenant is a tenant: names not in the wiring's list, system schemas and databases,
and DATABASE_URL's own database are refused in one line before anything is touched.

`inv db.stamp -r REV --tenants public` once stamped the main database's own version table.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from project import Project, one_error_line
from servers import ServerDatabase
from tenant_projects import make_tenant_project, sqlite_project

from alembic_steward.runtime._tenant_names import known_tenants

DEPLOY = ("python", "-m", "app.migrations")


def test_the_known_tenants_a_refusal_lists_are_all_of_a_few_by_name_else_the_closest() -> None:
    declared = ["alpha", "globex", "acme", "north", "acme_eu", "zeta"]
    # A few are all shown, by name: none hidden behind "and 1 more", the same line each time.
    assert known_tenants("acme_e", declared) == ("known: acme, acme_eu, alpha, globex, north, zeta")
    assert known_tenants("zz", list(reversed(declared))) == known_tenants("acme_e", declared)
    many = [*declared, *(f"tenant{number:02}" for number in range(20))]
    known = known_tenants("acme_e", many)
    assert known.startswith("known: acme_eu, acme, ") and known.endswith(" and 21 more"), known
    assert known_tenants("x", []) == "it lists none"
    # Equally close names come by name, whatever order the callable returned them in.
    assert known_tenants("q", ["globex", "acme"]) == known_tenants("q", ["acme", "globex"])
    assert known_tenants("q", ["globex", "acme"]) == "known: acme, globex"


def test_tenant_create_refuses_a_case_variant_and_says_to_list_a_new_name(
    tmp_path: Path,
) -> None:
    project = sqlite_project(tmp_path, ["north"])
    refused = project.inv("db.tenant-create", "North", code=1)
    line = one_error_line(refused.stderr)
    assert "'North' differs from the tenant 'north'" in line and "in case alone" in line, line
    assert list(tmp_path.glob("*.db")) == []
    # A sign-up creates its tenant before listing it: taken, with what to do next.
    created = project.inv("db.tenant-create", "hooli")
    assert "app.tenants:list_tenants does not list it yet: add it there" in created.stdout
    assert "does not list" not in project.inv("db.tenant-create", "north").stdout
    # A failed creation of a tenant not listed yet says to list it before any repair.
    in_the_way = sqlite3.connect(tmp_path / "service_newco.db")  # `notes` exists already
    in_the_way.execute("CREATE TABLE notes (id INTEGER)")
    in_the_way.close()
    failed = one_error_line(project.inv("db.tenant-create", "newco", code=1).stderr)
    assert "does not list 'newco' yet: add it there first, since a --tenants repair" in failed


@pytest.mark.parametrize(
    "command",
    [
        ("inv", "db.stamp", "-r", "0003", "--tenant", "nort"),
        ("inv", "db.clear-migration-mark", "--tenant", "nort"),
        ("inv", "db.upgrade", "--tenants", "south,nort"),
        ("inv", "db.status", "--tenants", "nort"),
        (*DEPLOY, "stamp", "0003", "--yes", "--tenant", "nort"),
        (*DEPLOY, "upgrade", "--tenants", "nort"),
    ],
    ids=["stamp", "clear-mark", "upgrade", "status", "deploy-stamp", "deploy-upgrade"],
)
def test_a_name_the_wiring_does_not_list_is_refused_and_nothing_is_touched(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    project = sqlite_project(tmp_path, ["north", "south"])
    refused = project.run(*command)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    line = one_error_line(refused.stderr)
    assert "'nort' (from --tenant" in line and "on the command line) is not one of" in line
    assert "(known: north, south)" in line and "Traceback" not in refused.stderr
    assert sorted(path.name for path in tmp_path.glob("*.db")) == []


UNLISTED_BY_X = "'{name}' (from -x tenant= on the command line) is not one of the tenants"


def test_raw_alembic_refuses_a_name_the_wiring_does_not_list_and_makes_no_file(
    tmp_path: Path,
) -> None:
    project = sqlite_project(tmp_path, ["north"])
    raw = project.run("alembic", "-x", "tenant=nort", "upgrade", "head")
    assert raw.returncode == 255, raw.stdout + raw.stderr  # Alembic's CommandError exit
    line = one_error_line(raw.stdout, "FAILED: ")
    assert UNLISTED_BY_X.format(name="nort") in line and "(known: north)" in line, line
    assert list(tmp_path.glob("*.db")) == []


def test_a_bad_name_from_tenant_create_says_it_came_from_the_command_line(
    tmp_path: Path,
) -> None:
    project = sqlite_project(tmp_path, [])
    for command in (("inv", "db.tenant-create"), (*DEPLOY, "tenant-create")):
        refused = project.run(*command, "bad name;x")
        line = one_error_line(refused.stderr)
        assert "'bad name;x' (from the command line) is not a plain" in line, line


def test_schemas_of_the_database_itself_are_never_tenants(
    tmp_path: Path, postgresql_url: str
) -> None:
    database = ServerDatabase("postgresql", postgresql_url)
    database.query("CREATE SCHEMA acme")
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=postgresql_url), "schema", ["acme"]
    )
    for name in ("public", "information_schema", "pg_catalog"):
        stamped = project.inv("db.stamp", "-r", "0003", "--tenant", name, code=1)
        assert "is not one of the tenants" in one_error_line(stamped.stderr)
    upgraded = project.inv("db.upgrade", "--tenants", "public", code=1)
    assert "(known: acme)" in one_error_line(upgraded.stderr)
    created = project.inv("db.tenant-create", "pg_catalog", code=1)
    assert "'pg_catalog' is a schema of the database itself" in one_error_line(created.stderr)
    # Raw Alembic too: `-x tenant=` is refused as --tenants is, in Alembic's one line.
    for name in ("pg_catalog", "information_schema"):
        raw = project.run("alembic", "-x", f"tenant={name}", "upgrade", "head")
        assert raw.returncode == 255, raw.stdout + raw.stderr  # Alembic's CommandError exit
        line = one_error_line(raw.stdout, "FAILED: ")
        assert (
            f"'{name}' is a schema of the database itself, not a tenant's (from -x tenant=" in line
        )
    for command in ("current", "upgrade"):  # a typo: no traceback, no empty answer
        raw = project.run(
            "alembic", "-x", "tenant=acm", command, *(("head",) * (command != "current"))
        )
        assert raw.returncode == 255, raw.stdout + raw.stderr
        assert UNLISTED_BY_X.format(name="acm") in one_error_line(raw.stdout, "FAILED: ")
    # Even listed by the tenants callable, `public` is DATABASE_URL's own schema.
    project.env["FIXTURE_TENANTS"] = "acme,public"
    listed = project.inv("db.upgrade", "--all-tenants", code=1)
    line = one_error_line(listed.stderr)
    assert "'public' is a schema of the database itself" in line
    assert "(from the tenants callable app.tenants:list_tenants)" in line
    assert database.tables() == set() and database.query(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'acme'"
    ) == [(0,)]


def test_mariadb_system_databases_and_database_urls_own_are_never_tenants(
    tmp_path: Path, mysql_tenants
) -> None:
    url, names = mysql_tenants
    main = url.rsplit("/", 1)[1]
    project = make_tenant_project(
        Project.copy_to(tmp_path / "service", DATABASE_URL=url), "database", [*names, main]
    )
    listed = project.inv("db.upgrade", "--all-tenants", code=1)
    assert f"'{main}' is DATABASE_URL's own database" in one_error_line(listed.stderr)
    project.env["FIXTURE_TENANTS"] = ",".join(names)
    for name in (main, "mysql"):
        stamped = project.inv("db.stamp", "-r", "0003", "--tenant", name, code=1)
        assert "is not one of the tenants" in one_error_line(stamped.stderr)
    created = project.inv("db.tenant-create", "mysql", code=1)
    assert "'mysql' is a system database of the mysql server" in one_error_line(created.stderr)
    created = project.run(*DEPLOY, "tenant-create", main)
    assert "DATABASE_URL's own database" in one_error_line(created.stderr)
    unlisted = UNLISTED_BY_X.format(name=f"{main}x")
    for name, why in (
        (main, "is DATABASE_URL's own database"),
        ("mysql", "is a system database"),
        (f"{main}x", unlisted),
    ):
        raw = project.run("alembic", "-x", f"tenant={name}", "upgrade", "head")
        assert raw.returncode == 255, raw.stdout + raw.stderr  # Alembic's CommandError exit
        assert why in one_error_line(raw.stdout, "FAILED: "), raw.stdout
    assert ServerDatabase("mysql", url).tables() == set()
