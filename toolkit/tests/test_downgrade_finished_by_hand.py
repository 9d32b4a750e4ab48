"""MySQL/MariaDB: a downgrade() that stopped half-way where the database is now exactly what its
target builds (the rest was done by hand before the run) is recorded with a stamp at that
target, never "stamped ahead ... then run `inv db.upgrade`", which runs the revision again."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on

FIRST, SECOND = "dfbh00000001", "dfbh00000002"
TABLE = '    op.create_table("stock", sa.Column("id", sa.Integer, primary_key=True))'
ADD = """    op.add_column("stock", sa.Column("weight_g", sa.Integer))
    op.add_column("stock", sa.Column("colour", sa.String(20)))"""
DROP = """    op.drop_column("stock", "colour")
    op.drop_column("stock", "weight_g")"""


@only_on("mysql", why="only MySQL/MariaDB keep a downgrade's DDL after it fails")
def test_a_half_run_downgrade_at_its_target_s_build_is_recorded_with_a_stamp_there(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLE))
    project.write_revision(f"{SECOND}_add.py", revision_source(SECOND, FIRST, ADD, DROP))
    project.inv("db.upgrade", env=env)
    database.query("ALTER TABLE stock DROP COLUMN weight_g")  # by hand, before the run
    failed = project.inv("db.downgrade", "--yes", code=1, env=env)
    (line,) = [each for each in failed.stderr.splitlines() if each.startswith("error:")][-1:]
    assert "stamped ahead" not in line and "db.upgrade" not in line, line
    assert f"holds exactly what revision {FIRST} builds" in line, line
    assert f"record that with `inv db.stamp -r {FIRST}`" in line, line
    # What it says works: the downgrade is recorded where the schema is.
    project.inv("db.stamp", "-r", FIRST, env=env)
    assert database.revisions() == {FIRST}
