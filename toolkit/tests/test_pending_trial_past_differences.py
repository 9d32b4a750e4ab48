"""Behind head, a database that differs from its revision (a hand-made trigger, an index) still
has its pending revisions tried on the scratch database: one that fails there fails on every
database built from the revisions, so status must not say `inv db.upgrade` runs (t44 SEVERE 5).
The walk that looks for a later build used to swallow that failure, and the scratch database,
left at the recorded revision, passed for the head's build: "the pending migrations change none
of those objects"."""

from __future__ import annotations

from failures import write_revision
from project import Project
from servers import ServerDatabase, only_on
from test_drift_detection import inv

TABLE = """    op.create_table(
        "t",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("c6", sa.Integer()),
        sa.Column("email", sa.String(50)),
    )"""
FAILING = """    op.execute("UPDATE no_such_table SET id = 1")"""


def test_a_pending_revision_that_fails_is_named_past_a_hand_made_difference(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "r1", None, TABLE)
    inv(project, database, "db.upgrade")
    write_revision(project, "r2", "r1", FAILING)
    database.query("CREATE INDEX ix_hand ON t (email)")
    status = inv(project, database, "db.status", code=9)
    assert "index t.ix_hand is in the database" in status, status
    assert "revision r2 fails on a scratch database" in status, status
    assert "runs, and leaves them as they are" not in status, status
    # What it advises works: the revision fixed, the upgrade runs, the index stays named.
    write_revision(project, "r2", "r1", """    op.execute("UPDATE t SET id = id")""")
    inv(project, database, "db.upgrade")
    assert database.revisions() == {"r2"}


VIEW_AND_TRIGGER = f"""{TABLE}
    op.execute("CREATE VIEW vok AS SELECT id, email FROM t")"""
BATCH_DROP = """    with op.batch_alter_table("t") as batch:
        batch.drop_column("c6")"""


@only_on("sqlite", why="batch mode's table copy is what the view breaks")
def test_sqlite_status_tries_a_batch_revision_past_a_hand_made_trigger(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "r1", None, VIEW_AND_TRIGGER)
    inv(project, database, "db.upgrade")
    write_revision(project, "r3", "r1", BATCH_DROP)
    database.query("CREATE TRIGGER thand BEFORE UPDATE OF email ON t BEGIN SELECT NEW.c6; END")
    status = inv(project, database, "db.status", code=9)
    assert "revision r3 fails on a scratch database" in status, status
    assert "error in view vok" in status, status
    assert "so `inv db.upgrade` runs" not in status, status
    failed = inv(project, database, "db.upgrade", code=1)
    assert "error in view vok" in failed, failed
