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


# r2 adds a column; r3 changes only data; r4 adds tmp and changes data; r5 drops tmp: r2, r3 and
# r5 build the same schema, r5 after a change undone, not in the stretch right after r2.
UNDONE_CHANGE_HISTORY = {
    "r1": (None, CREATE_T + "\n" + SEED_ROWS),
    "r2": ("r1", '    op.add_column("t", sa.Column("a", sa.Integer()))'),
    "r3": ("r2", '    op.execute("UPDATE t SET a = 1")'),
    "r4": (
        "r3",
        '    op.add_column("t", sa.Column("tmp", sa.Integer()))\n'
        "    op.execute(\"UPDATE t SET name = name || '!'\")",
    ),
    "r5": ("r4", '    op.drop_column("t", "tmp")'),
}


def database_dumped_at_r5(project: Project, database: ServerDatabase) -> None:
    """The tester's case: a database upgraded to r5, then kept without any bookkeeping table
    (as a dump of its own tables restored elsewhere): never migrated, by its tables."""
    for revision, (parent, upgrade) in UNDONE_CHANGE_HISTORY.items():
        write_revision(project, revision, parent, upgrade)
    inv(project, database, "db.upgrade")
    for table in database.tables() - {"t"}:
        database.query(f"DROP TABLE {table}")


@only_on("sqlite", why=WHY)
def test_baseline_offers_a_revision_that_builds_the_schema_again_after_a_change_undone(
    project: Project, database: ServerDatabase
) -> None:
    database_dumped_at_r5(project, database)
    refused = inv(project, database, "db.baseline", code=1)
    assert "Revisions r2, r3, r5 each build exactly this database's schema" in refused, refused
    assert "r3 changes only data; r5 builds it again after r4 changed it" in refused, refused
    assert "`inv db.baseline -r r5`" in refused, refused
    # Stamping r3 leaves r4's data change to run: the choice says so.
    assert "r3: if it holds the data changes of r3 but not those of r4, r5" in refused, refused
    assert "the next `inv db.upgrade` runs r4, r5" in refused, refused
    assert "nothing was stamped" in refused, refused
    assert "alembic_version" not in database.tables()

    wrong = inv(project, database, "db.baseline", "-r", "r4", code=1)
    assert "revision r4 does not build this database exactly; only r2, r3, r5 do" in wrong, wrong

    stamped = inv(project, database, "db.baseline", "-r", "r5")
    assert "Stamped the database at r5" in stamped, stamped
    assert database.revisions() == {"r5"}
    inv(project, database, "db.upgrade")  # nothing runs: r4's update is not made twice
    assert database.query("SELECT name, a FROM t ORDER BY id") == [("a!", 1), ("b!", 1)]


@only_on("sqlite", why=WHY)
def test_baseline_judges_the_chosen_revision_by_its_own_build_on_a_branched_history(
    project: Project, database: ServerDatabase
) -> None:
    """r1 creates t; a1 and b1 each add a table on their own branch. The walk builds one branch
    on top of the other, so one of a1, b1 is never built alone by it: `-r` builds it."""
    write_revision(project, "r1", None, CREATE_T)
    for branch in ("a", "b"):
        write_revision(project, f"{branch}1", "r1", CREATE_T.replace('"t"', f'"{branch}"'))
    database.query(HAND_MADE)
    for branch, other in (("a", "b"), ("b", "a")):
        database.query(
            HAND_MADE.replace("TABLE t", f"TABLE {branch}").replace("pk_t", f"pk_{branch}")
        )
        stamped = inv(project, database, "db.baseline", "-r", f"{branch}1")
        assert f"Stamped the database at {branch}1" in stamped, stamped
        assert database.revisions() == {f"{branch}1"}
        database.query("DROP TABLE alembic_version")
        database.query(f"DROP TABLE {branch}")
        assert other not in database.tables()


@only_on("mysql", why="MariaDB's CREATE TABLE is not rolled back: a failed first upgrade")
def test_baseline_adopts_a_database_whose_version_table_a_failed_upgrade_left_empty(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "r1", None, CREATE_T)
    write_revision(project, "r2", "r1", SEED_ROWS)
    database.query(HAND_MADE.replace("NOT NULL", "NOT NULL AUTO_INCREMENT"))
    database.query("INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b')")
    inv(project, database, "db.upgrade", code=1)  # r1's CREATE TABLE t meets the hand-made t
    assert database.query("SELECT version_num FROM alembic_version") == []

    stamped = inv(project, database, "db.baseline", "-r", "r2")
    assert "found an empty version table (alembic_version)" in stamped, stamped
    assert "already has a version table" not in stamped, stamped
    assert "Stamped the database at r2" in stamped, stamped
    assert database.revisions() == {"r2"}
