"""A stamp back up over a revision a downgrade reverted with an empty downgrade() records work
that is still here (its rows stay, the downgrade said so): the stamp must not say its data step
"never ran here", nor status advise a stamp back and an upgrade, which would run it again (an
INSERT twice) (t44 SEVERE 7). The fact is the downgrade's own record (runtime/_downgrade_runs.py
``empty``), read before the stamp while the database is as that downgrade left it."""

from __future__ import annotations

from project import Project
from servers import ServerDatabase, only_on
from stuck_states import table_and_insert_applied

R1, R2 = "eeee00000001", "eeee00000002"


@only_on("sqlite", "postgresql", "mysql", why="scratch builds compared with a live database")
def test_a_stamp_over_an_empty_downgrade_s_revision_records_its_work_as_run(
    project: Project, database: ServerDatabase
) -> None:
    env = table_and_insert_applied(project, database.url, R1, R2)
    downgraded = project.inv("db.downgrade", "-r", R1, env=env)
    assert f"revision {R2}'s downgrade() is empty" in downgraded.stdout + downgraded.stderr
    stamped = project.inv("db.stamp", "-r", R2, env=env)
    said = stamped.stdout + stamped.stderr
    assert "never did here" not in said, said
    assert f"{R2}'s downgrade() is empty" in said, said
    status = project.inv("db.status", code=3, env=env).stdout  # the models lack t: drift
    assert "never ran here" not in status, status
    assert f"db.stamp -r {R1}" not in status, status
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT note FROM t") == [("r2",)]


@only_on("sqlite", "postgresql", why="raw alembic's stamp reads the same record")
def test_raw_alembic_stamp_over_an_empty_downgrade_s_revision_records_its_work_as_run(
    project: Project, database: ServerDatabase
) -> None:
    env = table_and_insert_applied(project, database.url, R1, R2)
    project.inv("db.downgrade", "-r", R1, env=env)
    stamped = project.run("alembic", "stamp", R2, env=env)
    assert stamped.returncode == 0, stamped.stderr
    assert "never did here" not in stamped.stdout + stamped.stderr, stamped.stdout
    status = project.inv("db.status", code=3, env=env).stdout  # the models lack t: drift
    assert "never ran here" not in status, status
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT note FROM t") == [("r2",)]
