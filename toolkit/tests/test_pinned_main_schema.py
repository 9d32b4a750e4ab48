"""A main schema other than public, pinned in DATABASE_URL, is the scratch databases' too.

`?options=-csearch_path%3Dapp` is how a service keeps its tables in `app` (docs/decisions.md,
"The main schema on PostgreSQL is refused, not pinned"). A scratch database had no such
schema, so its builds failed: "no schema has been selected to create in".
"""

from __future__ import annotations

from project import Project
from servers import ServerDatabase, only_on

PIN_APP = "options=-csearch_path%3Dapp"


@only_on("postgresql", why="a schema of its own is PostgreSQL's")
def test_status_and_check_compare_a_database_whose_main_schema_is_pinned(
    project: Project, database: ServerDatabase
) -> None:
    database.query("CREATE SCHEMA app")
    env = {"DATABASE_URL": f"{database.url}?{PIN_APP}"}
    project.add_user_model()
    written = project.run("inv", "db.revision", "-m", "Initial", env=env)
    assert written.returncode == 0, written.stdout + written.stderr
    assert project.run("inv", "db.upgrade", env=env).returncode == 0
    assert database.query("SELECT count(*) FROM app.alembic_version") == [(1,)]

    status = project.run("inv", "db.status", env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.splitlines()[-1] == "status:  up to date", status.stdout
    check = project.run("inv", "db.check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "note:" not in check.stderr, check.stderr
    # A column added by hand is the database's, found against its revision rebuilt there.
    database.query("ALTER TABLE app.users ADD COLUMN nickname text")
    status = project.run("inv", "db.status", env=env)
    assert status.returncode == 9, status.stdout + status.stderr
    assert "users.nickname" in status.stdout, status.stdout
