"""`inv db.baseline` on a database that several revisions build alike (a schema revision, then
data-only ones): no description tells which of their data changes it holds, so it refuses to
guess and takes the choice as `-r REV`. The matches are found by the scratch builds
test_history_schema.py compares on every database; what is done with them is the same code on
each, so these run on SQLite."""

from __future__ import annotations

from failures import write_revision
from project import Project
from servers import ServerDatabase, only_on
from test_drift_detection import inv

CREATE_T = (
    '    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True),'
    ' sa.Column("name", sa.String(10)))'
)
SEED_ROWS = "    op.execute(\"INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b')\")"
ADD_NOTE = '    op.add_column("t", sa.Column("note", sa.String(20)))'
# The fixture's naming convention names the primary key: the hand-made table must match.
HAND_MADE = (
    "CREATE TABLE t (id INTEGER NOT NULL, name VARCHAR(10), CONSTRAINT pk_t PRIMARY KEY (id))"
)
DATABASE_DIFFERS = 9
WHY = "which revisions match is the scratch builds' work, tested on every database"


def seeded_history_and_hand_made_database(project: Project, database: ServerDatabase) -> None:
    """r1 creates t, r2 seeds it (data only), r3 adds a column; the database, made by hand,
    holds t and the seed rows: it is at r2, which no description can tell from r1."""
    write_revision(project, "r1", None, CREATE_T)
    write_revision(project, "r2", "r1", SEED_ROWS)
    write_revision(project, "r3", "r2", ADD_NOTE)
    database.query(HAND_MADE)
    database.query("INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b')")


@only_on("sqlite", why=WHY)
def test_baseline_refuses_to_guess_between_revisions_that_differ_only_in_data(
    project: Project, database: ServerDatabase
) -> None:
    seeded_history_and_hand_made_database(project, database)
    refused = inv(project, database, "db.baseline", code=1)
    assert "r1" in refused and "r2" in refused, refused
    assert "r2 changes only data" in refused, refused
    assert "`inv db.baseline -r r1`" in refused and "`inv db.baseline -r r2`" in refused, refused
    assert "nothing was stamped" in refused, refused
    assert "r3" not in refused, refused  # it changes the schema: no candidate
    assert "alembic_version" not in database.tables()


@only_on("sqlite", why=WHY)
def test_baseline_stamps_the_revision_chosen_among_the_exact_matches_and_no_other(
    project: Project, database: ServerDatabase
) -> None:
    seeded_history_and_hand_made_database(project, database)
    unknown = inv(project, database, "db.baseline", "-r", "nosuch", code=1)
    assert "error: no revision nosuch in the history" in unknown, unknown
    assert "nothing was stamped" in unknown, unknown
    later = inv(project, database, "db.baseline", "-r", "r3", code=1)
    assert "revision r3 does not build this database exactly" in later, later
    assert "only r1, r2 do (r2 changes only data)" in later, later
    assert "`inv db.baseline -r r1`" in later and "`inv db.baseline -r r2`" in later, later
    assert "alembic_version" not in database.tables()

    stamped = inv(project, database, "db.baseline", "-r", "r2")
    assert "Stamped the database at r2" in stamped, stamped
    assert database.revisions() == {"r2"}
    inv(project, database, "db.upgrade")
    assert database.query("SELECT name FROM t ORDER BY id") == [("a",), ("b",)]
    assert "note" in database.columns("t")


@only_on("sqlite", why=WHY)
def test_status_of_a_database_never_migrated_points_to_baseline(
    project: Project, database: ServerDatabase
) -> None:
    seeded_history_and_hand_made_database(project, database)
    status = inv(project, database, "db.status", code=DATABASE_DIFFERS)
    assert "inv db.baseline" in status, status
