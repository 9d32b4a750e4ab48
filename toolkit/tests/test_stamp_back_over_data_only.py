"""A stamp back over a data-only revision that ran (an INSERT) warns on every database, SQLite
too, and its advice leads back to a clean state (t44 MINOR: SQLite printed nothing, and every
command then exited 9)."""

from __future__ import annotations

from project import Project
from servers import ServerDatabase, only_on
from stuck_states import table_and_insert_applied

R1, R2 = "ffff00000001", "ffff00000002"


@only_on("sqlite", "postgresql", "mysql", why="scratch builds compared with a live database")
def test_a_stamp_back_over_a_data_only_revision_that_ran_warns(
    project: Project, database: ServerDatabase
) -> None:
    env = table_and_insert_applied(project, database.url, R1, R2)
    stamped = project.inv("db.stamp", "-r", R1, env=env)
    said = stamped.stdout + stamped.stderr
    assert "warning: the stamp moved the version table back" in said, said
    assert f"the checksum row of {R2}, recorded as applied here, was kept" in said, said
    assert f"`inv db.stamp -r {R2}`" in said and f"`inv db.stamp -r {R1}` once more" in said
    project.inv("db.status", code=9, env=env)
    # The first way: the work is here, recorded as applied again; status is clean (but for
    # the models, which lack t: exit 3), and nothing runs twice.
    project.inv("db.stamp", "-r", R2, env=env)
    status = project.inv("db.status", code=3, env=env).stdout
    assert "recorded as applied here" not in status, status
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT note FROM t") == [("r2",)]
    # The second way: the work undone by hand, the stamp given once more; the upgrade runs it.
    project.inv("db.stamp", "-r", R1, env=env)
    database.query("DELETE FROM t")
    project.inv("db.stamp", "-r", R1, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT note FROM t") == [("r2",)]
