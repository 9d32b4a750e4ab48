"""Behind head, a database that differs from its revision (a hand-made trigger, an index) still
has its pending revisions tried on the scratch database: one that fails there fails on every
database built from the revisions, so status must not say `inv db.upgrade` runs (t44 SEVERE 5).
The walk that looks for a later build used to swallow that failure, and the scratch database,
left at the recorded revision, passed for the head's build: "the pending migrations change none
of those objects"."""

from __future__ import annotations

import pytest
from failures import write_revision
from project import Project, revision_source
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


# A batch revision changing a column no hand-made object reads: only the table's copy meets them.
BATCH_WIDEN = """    with op.batch_alter_table("t") as batch:
        batch.alter_column("email", type_=sa.String(200), existing_type=sa.String(50))"""
HAND_VIEW = "CREATE VIEW vhand AS SELECT id FROM t"
HAND_TRIGGER = "CREATE TRIGGER thand AFTER INSERT ON t BEGIN SELECT NEW.id; END"


def hand_made_behind(
    project: Project, database: ServerDatabase, pending: str, *made: str, first: str = TABLE
) -> str:
    """The database at r1 (``first``) with ``made`` run by hand and r2 (``pending``) pending;
    status's last line, checked to exit 9."""
    write_revision(project, "r1", None, first)
    inv(project, database, "db.upgrade")
    write_revision(project, "r2", "r1", pending)
    for statement in made:
        database.query(statement)
    return inv(project, database, "db.status", code=9).strip().splitlines()[-1]


def hand_made_behind_batch(project: Project, database: ServerDatabase, *made: str) -> str:
    return hand_made_behind(project, database, BATCH_WIDEN, *made)


@only_on("sqlite", why="batch mode's table copy is what SQLite checks views against")
def test_sqlite_status_says_a_batch_revision_fails_on_a_hand_made_view_and_what_to_run(
    project: Project, database: ServerDatabase
) -> None:
    verdict = hand_made_behind_batch(project, database, HAND_VIEW)
    assert "runs" not in verdict, verdict
    assert "fail at revision r2 (OperationalError: error in view vhand: no such table" in verdict
    assert (
        "drop it by hand first (`DROP VIEW vhand`), run `inv db.upgrade`, then write a new"
        ' revision after it (`inv db.revision --empty -m "keep it"`) whose upgrade() makes it'
        f" again (`{HAND_VIEW}`"
    ) in verdict, verdict
    assert "error in view vhand" in inv(project, database, "db.upgrade", code=1)
    # What it advises works.
    database.query("DROP VIEW vhand")
    inv(project, database, "db.upgrade")
    database.query(HAND_VIEW)
    assert database.revisions() == {"r2"}


@only_on("sqlite", why="batch mode's table copy is what SQLite checks views against")
def test_sqlite_status_says_too_what_the_upgrade_drops_once_the_view_it_fails_on_is_dropped(
    project: Project, database: ServerDatabase
) -> None:
    verdict = hand_made_behind_batch(project, database, HAND_VIEW, HAND_TRIGGER)
    assert "fail at revision r2 (OperationalError: error in view vhand" in verdict, verdict
    assert "with it dropped, they pass, but revision r2 drops trigger t.thand" in verdict, verdict
    database.query("DROP VIEW vhand")
    assert "lost:    trigger t.thand, made by hand" in inv(project, database, "db.upgrade")


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
def test_sqlite_status_names_the_hand_made_trigger_a_batch_revision_drops_and_the_upgrade_too(
    project: Project, database: ServerDatabase
) -> None:
    verdict = hand_made_behind_batch(project, database, HAND_TRIGGER)
    assert "would run into" not in verdict, verdict
    assert "pass, but revision r2 drops trigger t.thand" in verdict, verdict
    assert f"add `op.execute({HAND_TRIGGER!r})` to that revision after its batch" in verdict
    upgraded = inv(project, database, "db.upgrade")
    lost = [line for line in upgraded.splitlines() if line.startswith("lost:")]
    assert lost == [
        "lost:    trigger t.thand, made by hand (no revision makes it), was dropped by this"
        " upgrade (SQLite's batch mode recreates table t without it): to keep it, write a new"
        ' revision (`inv db.revision --empty -m "keep thand"`) whose upgrade() runs'
        f" `op.execute({HAND_TRIGGER!r})` and downgrade() drops it, then `inv db.upgrade`"
        " (made again by hand instead, it stays a difference that status and check report)"
    ], upgraded
    # What it says works: the new revision makes it again, and the database is up to date.
    remade = f"    op.execute({HAND_TRIGGER!r})"
    dropped = '    op.execute("DROP TRIGGER thand")'
    project.write_revision("r3_keep.py", revision_source("r3", "r2", remade, dropped))
    assert "lost:" not in inv(project, database, "db.upgrade")
    assert database.query("SELECT name FROM sqlite_master WHERE type = 'trigger'") == [("thand",)]
    # The fixture's models lack table t (exit 3); the trigger is no difference any more.
    assert "thand" not in inv(project, database, "db.status", code=3)


@only_on("sqlite", why="SQLite's batch mode copies the indexes SQLAlchemy reflects")
@pytest.mark.parametrize(
    "index",
    ["CREATE INDEX ix_hand ON t (email)", "CREATE UNIQUE INDEX ix_hand ON t (email) WHERE c6 > 0"],
    ids=["plain", "partial-unique"],
)
def test_sqlite_status_says_the_upgrade_keeps_a_hand_made_index_batch_mode_copies(
    project: Project, database: ServerDatabase, index: str
) -> None:
    verdict = hand_made_behind_batch(project, database, index)
    assert "drop it by hand" not in verdict, verdict
    assert "so `inv db.upgrade` runs, and keeps it as it is" in verdict, verdict
    upgraded = inv(project, database, "db.upgrade")
    assert "lost:" not in upgraded, upgraded
    assert database.query("SELECT sql FROM sqlite_master WHERE name = 'ix_hand'") == [(index,)]


@only_on("sqlite", why="SQLite's batch mode cannot reflect an expression index, so drops it")
def test_sqlite_names_a_hand_made_expression_index_a_batch_revision_drops(
    project: Project, database: ServerDatabase
) -> None:
    index = "CREATE INDEX ix_lower ON t (lower(email))"
    verdict = hand_made_behind_batch(project, database, index)
    assert "pass, but revision r2 drops index t.ix_lower" in verdict, verdict
    upgraded = inv(project, database, "db.upgrade")
    assert "lost:    index t.ix_lower, made by hand (no revision makes it)" in upgraded, upgraded
    assert f"upgrade() runs `op.execute({index!r})`" in upgraded, upgraded


WITH_U = f"""{TABLE}
    op.create_table("u", sa.Column("id", sa.Integer(), primary_key=True))"""
# Its INSERT names no column: only running it tells that t's columns no longer fit.
U_TRIGGER = (
    "CREATE TRIGGER uhand AFTER INSERT ON u BEGIN INSERT INTO t VALUES (NEW.id, 1, 'x'); END"
)


def u_trigger_behind(project: Project, database: ServerDatabase, drop: str) -> str:
    return hand_made_behind(project, database, drop, U_TRIGGER, first=WITH_U)


@only_on("sqlite", why="batch mode's table copy is what SQLite checks triggers against")
def test_sqlite_status_names_a_hand_made_trigger_on_another_table_a_batch_revision_fails_on(
    project: Project, database: ServerDatabase
) -> None:
    verdict = u_trigger_behind(project, database, BATCH_DROP)
    assert "fail at revision r2 (OperationalError: error in trigger uhand" in verdict, verdict
    assert "drop it by hand first (`DROP TRIGGER uhand`)" in verdict, verdict
    assert "error in trigger uhand" in inv(project, database, "db.upgrade", code=1)


@only_on("sqlite", why="SQLite's DROP COLUMN keeps a trigger of another table that writes it")
def test_sqlite_status_names_a_hand_made_trigger_a_pending_drop_leaves_failing(
    project: Project, database: ServerDatabase
) -> None:
    verdict = u_trigger_behind(project, database, '    op.drop_column("t", "c6")')
    assert "pass, but leave trigger u.uhand (table t has 2 columns but 3 values" in verdict
    assert "drop it by hand before `inv db.upgrade` (`DROP TRIGGER uhand`)" in verdict, verdict
    # The upgrade's own look agrees.
    assert "trigger uhand on u cannot be prepared" in inv(project, database, "db.upgrade")


@only_on("sqlite", why="the exact copy of the schema is SQLite's trial; the others replay it")
@pytest.mark.parametrize(
    "added",
    ["ALTER TABLE t ADD COLUMN note TEXT", "ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'x'"],
    ids=["column", "column-with-default"],
)
def test_sqlite_status_says_a_batch_revision_runs_past_a_hand_made_column_and_keeps_it(
    project: Project, database: ServerDatabase, added: str
) -> None:
    # It said "`inv db.upgrade` would run into them ... undo them by hand", so the column's
    # values were dropped for nothing: the batch copy keeps a column it reflects.
    verdict = hand_made_behind_batch(project, database, added)
    assert "would run into" not in verdict and "undo them by hand first" not in verdict, verdict
    assert "run through them" in verdict and "leave what they do not build" in verdict, verdict
    assert "column t.note" in verdict, verdict
    database.query("INSERT INTO t (id, c6, email, note) VALUES (1, 6, 'a@b', 'kept')")
    inv(project, database, "db.upgrade")
    assert database.query("SELECT note FROM t") == [("kept",)]
