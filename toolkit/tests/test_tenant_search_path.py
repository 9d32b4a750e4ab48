"""A schema tenant never sits on the main database's search_path ahead of its own schema.

PostgreSQL's default search_path is `"$user", public`: a tenant schema named after the user
DATABASE_URL signs in as (`postgres`) once captured every main-database command, which then
read and migrated that tenant's version table while `public.alembic_version` stayed behind.
"""

from __future__ import annotations

from pathlib import Path

from project import Project, one_error_line
from servers import ServerDatabase
from tenant_projects import make_tenant_project

PIN_PUBLIC = "options=-csearch_path%3Dpublic"


def schema_project(tmp_path: Path, url: str, names: list[str]) -> Project:
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
    return make_tenant_project(project, "schema", names)


def with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


def schemas(database: ServerDatabase) -> set[str]:
    return {name for (name,) in database.query("SELECT nspname FROM pg_namespace")}


def test_a_schema_named_after_the_signed_in_user_is_never_a_tenant(
    tmp_path: Path, postgresql_url: str
) -> None:
    database = ServerDatabase("postgresql", postgresql_url)
    project = schema_project(tmp_path, postgresql_url, ["acme"])
    created = project.inv("db.tenant-create", "postgres", code=1)
    line = one_error_line(created.stderr)
    assert "'postgres' is the user DATABASE_URL signs in as" in line, line
    assert '"$user"' in line and "nothing was run" in line, line
    assert "postgres" not in schemas(database)
    # Named on the command line or listed by the tenants callable: refused the same way.
    project.env["FIXTURE_TENANTS"] = "acme,postgres"
    for command in (("db.upgrade", "--tenants", "postgres"), ("db.upgrade", "--all-tenants")):
        refused = one_error_line(project.inv(*command, code=1).stderr)
        assert "'postgres' is the user DATABASE_URL signs in as" in refused, refused
    assert "postgres" not in schemas(database)


def test_a_schema_ahead_of_the_main_one_on_the_search_path_is_never_a_tenant(
    tmp_path: Path, postgresql_url: str
) -> None:
    # The server's effective search_path, here set for DATABASE_URL's sessions (as
    # ALTER ROLE ... SET search_path would): `audit` comes before `public`.
    url = with_query(postgresql_url, "options=-csearch_path%3Daudit,public")
    database = ServerDatabase("postgresql", postgresql_url)
    project = schema_project(tmp_path, url, ["acme"])
    line = one_error_line(project.inv("db.tenant-create", "audit", code=1).stderr)
    assert "'audit' comes before the main schema 'public' in the search_path" in line, line
    assert "audit" not in schemas(database)
    assert "at head" in project.inv("db.tenant-create", "acme").stdout


def test_main_database_commands_refuse_a_schema_that_captures_their_search_path(
    tmp_path: Path, postgresql_url: str
) -> None:
    database = ServerDatabase("postgresql", postgresql_url)
    project = schema_project(tmp_path, postgresql_url, ["acme"])
    project.inv("db.upgrade", "-r", "0002")
    # Made by hand (or by a tenant-create before it was refused), with a version table.
    database.query("CREATE SCHEMA postgres")
    database.query("CREATE TABLE postgres.alembic_version (version_num varchar(32) PRIMARY KEY)")
    database.query("INSERT INTO postgres.alembic_version VALUES ('0003')")
    for command in (("db.current",), ("db.upgrade",), ("db.status",)):
        completed = project.run("inv", *command)
        assert completed.returncode != 0, completed.stdout + completed.stderr
        line = one_error_line(completed.stderr)
        assert "resolve to the schema 'postgres'" in line, line
        assert "not the main schema 'public'" in line, line
        assert "?options=-csearch_path%3Dpublic" in line, line
    assert database.query("SELECT version_num FROM public.alembic_version") == [("0002",)]
    # With the search path pinned in DATABASE_URL, the main database is public again.
    project.env["DATABASE_URL"] = with_query(postgresql_url, PIN_PUBLIC)
    project.inv("db.upgrade")
    assert database.query("SELECT version_num FROM public.alembic_version") == [("0003",)]
    assert "0003" in project.inv("db.current").stdout


def test_a_tenants_callable_that_reads_the_app_s_table_is_not_called_for_ever(
    tmp_path: Path, postgresql_url: str
) -> None:
    # The main schema pinned to `service` (not public), and the tenants read from its table
    # through the engine the tasks use: the check that asks the callable connects again.
    database = ServerDatabase("postgresql", postgresql_url)
    database.query("CREATE SCHEMA service")
    database.query("CREATE TABLE service.tenant_names (name text)")
    database.query("INSERT INTO service.tenant_names VALUES ('acme')")
    url = with_query(postgresql_url, "options=-csearch_path%3Dservice")
    project = schema_project(tmp_path, url, ["acme"])
    (project.path / "app" / "tenants.py").write_text(
        "from sqlalchemy import text\n\n\n"
        "def list_tenants() -> list[str]:\n"
        "    from app.migrations import steward\n\n"
        "    from alembic_steward._wiring import get_blocking_engine\n\n"
        "    with get_blocking_engine().connect() as connection:\n"
        "        return list(connection.scalars(text('SELECT name FROM tenant_names')))\n"
    )
    project.inv("db.upgrade")
    assert database.query("SELECT version_num FROM service.alembic_version") == [("0003",)]
    project.inv("db.tenant-create", "acme")
    # Its rows: the callable ran once per question, inside no connection's own check.
    upgraded = project.inv("db.upgrade", "--all-tenants", "--json")
    assert '"at head"' in upgraded.stdout, upgraded.stdout


def test_a_hand_made_schema_ahead_of_the_main_one_is_refused_once_it_is_a_tenant(
    tmp_path: Path, postgresql_url: str
) -> None:
    # Made by hand, then listed by the tenants callable: only `tenant-create` refused it, and
    # every main-database command went on to read and migrate `audit` as the main database.
    database = ServerDatabase("postgresql", postgresql_url)
    url = with_query(postgresql_url, "options=-csearch_path%3Daudit,public")
    project = schema_project(tmp_path, url, ["acme"])
    project.inv("db.upgrade")  # `audit` not made yet: public is the main schema
    database.query("CREATE SCHEMA audit")
    project.env["FIXTURE_TENANTS"] = "acme,audit"
    for command in (("db.current",), ("db.upgrade",), ("db.status",), ("db.check",)):
        completed = project.run("inv", *command)
        assert completed.returncode != 0, completed.stdout + completed.stderr
        line = one_error_line(completed.stderr)
        assert "resolve to the schema 'audit'" in line, line
        assert "the tenants callable lists it" in line, line
        assert "?options=-csearch_path%3Dpublic" in line, line
    assert database.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'audit'") == [(0,)]
    # Off the list, it is the main schema the URL names first, as before.
    project.env["FIXTURE_TENANTS"] = "acme"
    assert project.run("inv", "db.current").returncode == 0
