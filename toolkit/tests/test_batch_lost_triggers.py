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
    assert "recreated table t without it" in upgraded.stderr, upgraded.stderr
    status = project.inv("db.status", code=3, env=env).stdout  # the models lack t: drift
    assert f"lost:    trigger t.tcomm, made by revision {R1}" in status, status
    assert f"revision {R2}'s batch mode recreated table t without it" in status, status
    assert "and lost" in status.split("status:")[-1], status
    # The advice: make it again in a new revision; then nothing is lost.
    write_revision(project, R3, R2, AGAIN)
    project.inv("db.upgrade", env=env)
    status = project.inv("db.status", code=3, env=env).stdout
    assert "lost" not in status, status


R4 = "abab00000004"
TABLE_C7 = TABLE.replace(
    'sa.Column("c6", sa.Integer)', 'sa.Column("c6", sa.Integer), sa.Column("c7", sa.Integer)'
)
BATCH_C7 = BATCH.replace('"c6"', '"c7"')


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
def test_status_blames_the_batch_after_the_last_make_not_one_that_made_it_again(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    write_revision(project, R1, None, TABLE_C7)
    write_revision(project, R2, R1, f"{BATCH}\n{AGAIN}")  # recreated, then made again
    write_revision(project, R3, R2, BATCH_C7)  # recreated: lost here
    project.inv("db.upgrade", env=env)
    status = project.inv("db.status", code=3, env=env).stdout
    lost = [line for line in status.splitlines() if line.startswith("lost:")]
    assert lost == [
        f"lost:    trigger t.tcomm, made by revision {R2}, is in no database the revisions"
        f" build: revision {R3}'s batch mode recreated table t without it (SQLite copies a"
        " table without its triggers)"
    ], status


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
def test_a_drop_in_a_later_downgrade_or_comment_does_not_hide_the_loss(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    write_revision(project, R1, None, TABLE)
    write_revision(project, R2, R1, f"    # DROP TRIGGER tcomm: not needed\n{BATCH}")
    project.inv("db.upgrade", env=env)
    status = project.inv("db.status", code=3, env=env).stdout
    assert f"lost:    trigger t.tcomm, made by revision {R1}" in status, status


NAMES_C6 = "CREATE TRIGGER tc6 AFTER INSERT ON t BEGIN UPDATE t SET c6 = 1 WHERE id = NEW.id; END"


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
def test_a_lost_trigger_naming_the_dropped_column_is_advised_written_without_it(
    project: Project, database: ServerDatabase
) -> None:
    # t46 S7: the advice said to run the statement of the revision that made it, which names
    # t.c6: following it made a trigger that fails on every INSERT.
    env = {"DATABASE_URL": database.url}
    write_revision(project, R1, None, TABLE.replace(TRIGGER, NAMES_C6))
    write_revision(project, R2, R1, BATCH)
    upgraded = project.inv("db.upgrade", env=env)
    assert "written without t.c6" in upgraded.stderr, upgraded.stderr
    status = project.inv("db.status", code=3, env=env).stdout
    (lost,) = [line for line in status.splitlines() if line.startswith("lost:")]
    assert "its statement names t.c6, which is gone" in lost, status
    verdict = status.split("status:")[-1]
    assert "written without" in verdict and "the gone column" in verdict, verdict
