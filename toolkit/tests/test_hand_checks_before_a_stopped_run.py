"""MySQL/MariaDB: a CHECK constraint a hand dropped (and made again under another name) before a
run that stopped on dropping it is no leftover of that run, and the hand-made one on the same
column is never said to be harmless while the stopped revision changes that column's CHECK."""

from __future__ import annotations

from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on

MK = (
    '    op.execute("CREATE TABLE mk (id INT PRIMARY KEY, v INT,'
    ' CONSTRAINT ck_mk_v CHECK (v > 0))")'
)
RELAX = """    op.execute("ALTER TABLE mk ADD COLUMN w INT")
    op.execute("ALTER TABLE mk DROP CONSTRAINT ck_mk_v")
    op.execute("ALTER TABLE mk ADD CONSTRAINT ck_mk_v CHECK (v > -5)")"""


@only_on("mysql", why="only MySQL/MariaDB leave a migration half-applied")
def test_a_check_dropped_by_hand_before_the_run_is_not_what_the_stopped_run_left(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    project.write_revision("mk.py", revision_source("mk", None, MK, '    op.drop_table("mk")'))
    project.inv("db.upgrade", env=env)
    database.query("ALTER TABLE mk DROP CONSTRAINT ck_mk_v")
    database.query("ALTER TABLE mk ADD CONSTRAINT ck_mk_v_hand CHECK (v > 0)")
    project.write_revision("relax.py", revision_source("relax", "mk", RELAX))

    failed = project.inv("db.upgrade", code=1, env=env).stderr.strip().splitlines()[-1]
    gone = "missing check constraint mk.ck_mk_v (gone before the run: relax's failed statement"
    assert gone in failed, failed
    refused = project.inv("db.clear-migration-mark", code=1, env=env)
    line = one_error_line(refused.stderr)
    assert "unexpected column mk.w, which the stopped run left" in line, line
    assert "missing check constraint mk.ck_mk_v, which was gone before the run" in line, line
    assert "relax's failed statement could not drop it" in line, line
    assert "which can stay" not in line, line
    assert "unexpected check constraint mk.ck_mk_v_hand stands on a table whose" in line, line
    # What the line advises works: made again as mk builds it, the rest undone, the mark
    # clears and the upgrade runs relax through.
    database.query("ALTER TABLE mk DROP COLUMN w")
    database.query("ALTER TABLE mk ADD CONSTRAINT ck_mk_v CHECK (v > 0)")
    cleared = project.inv("db.clear-migration-mark", env=env).stdout
    assert "unexpected check constraint mk.ck_mk_v_hand" in cleared, cleared
    assert "may keep that change from having effect" in cleared, cleared
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {"relax"}
