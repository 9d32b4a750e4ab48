"""SQLite: a trigger a revision made, which a later revision's batch mode recreated its table
without, is lost from every database the revisions build; the run warns once, and `inv
db.status` keeps naming it afterwards (it said `up to date`), with advice that brings it back
(t44 MINOR "SQLite batch mode loses a trigger quietly after one warning")."""

from __future__ import annotations

from project import Project
from servers import ServerDatabase, only_on
from stuck_states import write_revision

R1, R2, R3 = "abab00000001", "abab00000002", "abab00000003"
TRIGGER = (
    "CREATE TRIGGER tcomm AFTER INSERT ON t BEGIN UPDATE t SET note = 'x' WHERE id = NEW.id; END"
)
TABLE = f"""    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("note", sa.String(20)), sa.Column("c6", sa.Integer))
    op.execute("{TRIGGER}")"""
BATCH = """    with op.batch_alter_table("t") as batch:
        batch.drop_column("c6")"""
AGAIN = f"""    op.execute("{TRIGGER}")"""


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
def test_status_names_a_trigger_batch_mode_lost(project: Project, database: ServerDatabase) -> None:
    env = {"DATABASE_URL": database.url}
    write_revision(project, R1, None, TABLE)
    write_revision(project, R2, R1, BATCH)
    upgraded = project.inv("db.upgrade", env=env)
    assert "recreates table t without it" in upgraded.stderr, upgraded.stderr
    status = project.inv("db.status", code=3, env=env).stdout  # the models lack t: drift
    assert f"lost:    trigger t.tcomm, made by revision {R1}" in status, status
    assert f"revision {R2}'s batch mode recreated table t without it" in status, status
    assert "and lost" in status.split("status:")[-1], status
    # The advice: make it again in a new revision; then nothing is lost.
    write_revision(project, R3, R2, AGAIN)
    project.inv("db.upgrade", env=env)
    status = project.inv("db.status", code=3, env=env).stdout
    assert "lost" not in status, status
