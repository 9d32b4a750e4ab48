"""A database that differs from its revision where the pending revisions tolerate it (their
`DROP TRIGGER IF EXISTS` of a trigger dropped by hand already) is tried: the pending revisions
run on a scratch database built at its revision and made to differ the same way, and when they
pass and end at what they build, status says `inv db.upgrade` runs, never to restore the
object first (a broken trigger made again, every INSERT failing)."""

from __future__ import annotations

import re

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_broken_revision_objects import (
    ADVISED,
    HAND_DROP,
    SECOND,
    THIRD,
    write_made_and_dropping,
)
from test_status_sides import inv


def broken_trigger_dropped_by_hand(project: Project, database: ServerDatabase) -> None:
    """Upgrade through a trigger the revisions build broken, then drop it by hand."""
    write_made_and_dropping(project, database)
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query(HAND_DROP[database.kind])


@only_on("postgresql", "mysql", why="SQLite refuses the drop, or its batch copy loses triggers")
def test_a_pending_revision_dropping_with_if_exists_what_a_hand_dropped_is_advised_run(
    project: Project, database: ServerDatabase
) -> None:
    broken_trigger_dropped_by_hand(project, database)
    advice = inv(project, database, "db.status").stdout.splitlines()[-1]
    statements = ADVISED.findall(advice)
    assert statements and all("IF EXISTS" in each for each in statements), advice
    body = "\n".join(f"    op.execute({statement!r})" for statement in statements)
    project.write_revision(f"{THIRD}_fix.py", revision_source(THIRD, SECOND, body))

    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert "would run into them" not in verdict and "CREATE TRIGGER" not in verdict, verdict
    assert "Undo them by hand" not in verdict, verdict
    assert "the pending migrations run through them" in verdict, verdict
    assert "run `inv db.upgrade`" in verdict, verdict
    check = inv(project, database, "db.check")
    assert "the pending migrations run through them" in check.stdout + check.stderr, check.stderr
    assert "CREATE TRIGGER" not in check.stdout + check.stderr, check.stderr

    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    after = inv(project, database, "db.status")
    assert "against its revision rebuilt: same" in after.stdout, after.stdout


ITEMS = """\
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=False),
    )"""
# The README's failed build: a column, then a unique index the rows refuse.
ADD_AND_INDEX = """\
    op.add_column("items", sa.Column("u1", sa.Integer()))
    create_index_online("ix_items_code", "items", ["code"], unique=True)"""
HELPERS = "from alembic_steward.migration import create_index_online"


@only_on("postgresql", why="only PostgreSQL builds indexes concurrently, leaving INVALID ones")
def test_an_invalid_index_the_pending_revision_builds_again_is_advised_run(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision("i1_items.py", revision_source("i1", None, ITEMS))
    indexed = revision_source("i2", "i1", ADD_AND_INDEX, imports=HELPERS)
    project.write_revision("i2_index.py", indexed)
    assert inv(project, database, "db.upgrade", "-r", "i1").returncode == 0
    database.query("INSERT INTO items (id, code) VALUES (1, 'a'), (2, 'b'), (3, 'b')")
    failed = inv(project, database, "db.upgrade")
    assert failed.returncode != 0 and "INVALID index ix_items_code" in failed.stderr
    # The rows fixed and the column the failed run committed dropped, by hand.
    database.query("DELETE FROM items WHERE id = 3")
    database.query("ALTER TABLE items DROP COLUMN u1")

    advised_run_and_runs_to_head(project, database)


def advised_run_and_runs_to_head(project: Project, database: ServerDatabase) -> None:
    """Status advises `inv db.upgrade`, nothing undone first, and it runs to head's build."""
    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert "would run into them" not in verdict and "Undo them by hand" not in verdict, verdict
    assert "the pending migrations run through them" in verdict, verdict
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    after = inv(project, database, "db.status")
    assert "against its revision rebuilt: same" in after.stdout, after.stdout


@only_on("postgresql", why="only PostgreSQL's advice restores a trigger from its definition")
def test_a_broken_trigger_a_hand_dropped_is_never_advised_made_again(
    project: Project, database: ServerDatabase
) -> None:
    broken_trigger_dropped_by_hand(project, database)
    # A pending drop without IF EXISTS: it fails on this database, so the trial does not pass.
    dropping = '    op.execute("DROP TRIGGER trev ON t")\n    op.execute("DROP FUNCTION set_c7()")'
    project.write_revision(f"{THIRD}_fix.py", revision_source(THIRD, SECOND, dropping))
    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert status.returncode == 9, status.stdout + status.stderr
    assert "the pending migrations run through them" not in verdict, verdict
    # Never the trigger back: its revisions build it broken (every INSERT on t would fail).
    assert "CREATE TRIGGER" not in verdict, verdict
    assert "trigger trev on t names NEW.c7" in verdict, verdict
    assert "IF EXISTS" in verdict, verdict


@only_on("postgresql", "mysql", why="SQLite refuses the drop, or its batch copy loses triggers")
def test_a_broken_trigger_a_hand_dropped_that_no_pending_revision_touches_is_advised_dropped(
    project: Project, database: ServerDatabase
) -> None:
    broken_trigger_dropped_by_hand(project, database)
    other = '    op.create_table("u", sa.Column("id", sa.Integer, primary_key=True))'
    project.write_revision(f"{THIRD}_u.py", revision_source(THIRD, SECOND, other))
    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert "CREATE TRIGGER" not in verdict and "undo them by hand" not in verdict, verdict
    assert "it lacks only what its revisions build broken (trigger trev" in verdict, verdict
    assert 'op.execute("DROP TRIGGER IF EXISTS trev' in verdict, verdict


# What an incomplete downgrade leaves: the downgrade() of "n2" drops only the column its
# upgrade() added, and the table, index and view stay behind, the version table at "n1".
NOTES_IF_NOT_EXISTS = """\
    op.add_column("items", sa.Column("c", sa.Integer()))
    op.execute(
        "CREATE TABLE IF NOT EXISTS notes (id integer PRIMARY KEY,"
        " body varchar(40) NOT NULL DEFAULT 'x')"
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_notes_body ON notes (body)")
    op.execute("CREATE OR REPLACE VIEW v_notes AS SELECT id, body FROM notes")"""
# Its CREATE TABLE first: on MariaDB, failing there changes nothing (no half-applied mark).
NOTES_CREATED = """\
    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))
    op.add_column("items", sa.Column("c", sa.Integer()))"""
DROPS_ONLY_THE_COLUMN = '    op.drop_column("items", "c")'
STATUS_ONLY = "import sqlalchemy as sa"


def downgraded_leaving_notes(project: Project, database: ServerDatabase, upgrade: str) -> None:
    """Write items ("n1") and "n2" (``upgrade``, whose downgrade() forgets what it made but
    the column), upgrade, and downgrade to "n1": what n2 made but the column stays."""
    project.write_revision("n1_items.py", revision_source("n1", None, ITEMS))
    source = revision_source("n2", "n1", upgrade, DROPS_ONLY_THE_COLUMN, imports=STATUS_ONLY)
    project.write_revision("n2_notes.py", source)
    assert inv(project, database, "db.upgrade").returncode == 0
    left = inv(project, database, "db.downgrade", "-r", "n1")
    assert left.returncode == 9 and "table notes is in the database" in left.stdout, left.stderr


@only_on("postgresql", "mysql", why="SQLite's side of the trial is another module's")
def test_what_an_incomplete_downgrade_left_that_the_pending_revision_tolerates_is_advised_run(
    project: Project, database: ServerDatabase
) -> None:
    downgraded_leaving_notes(project, database, NOTES_IF_NOT_EXISTS)

    advised_run_and_runs_to_head(project, database)


@only_on("postgresql", "mysql", why="SQLite's side of the trial is another module's")
def test_a_leftover_table_the_pending_revision_creates_is_said_to_fail_and_its_undo_works(
    project: Project, database: ServerDatabase
) -> None:
    downgraded_leaving_notes(project, database, NOTES_CREATED)

    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert status.returncode == 9, status.stdout + status.stderr
    assert "`inv db.upgrade` fails at revision n2" in verdict, verdict
    assert "already exists" in verdict, verdict
    undo = re.findall(r"`(DROP [^`]+)`", verdict)
    assert undo == ["DROP TABLE notes"], verdict
    assert "the downgrade of revision n2" in verdict, verdict
    assert "make that downgrade() undo them too" in verdict, verdict
    # As said: the upgrade fails on the leftover, and runs once the advised undo ran.
    assert inv(project, database, "db.upgrade").returncode != 0
    for statement in undo:
        database.query(statement)
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr


COMMENTED = {
    "postgresql": "COMMENT ON COLUMN notes.id IS 'kept'",
    "mysql": "ALTER TABLE notes MODIFY id integer NOT NULL COMMENT 'kept'",
}


@only_on("postgresql", "mysql", why="SQLite's side of the trial is another module's")
def test_a_leftover_the_trial_cannot_make_as_it_is_keeps_the_guess_and_says_it_is_not_tried(
    project: Project, database: ServerDatabase
) -> None:
    downgraded_leaving_notes(project, database, NOTES_CREATED)
    database.query(COMMENTED[database.kind])  # a comment: no statement of the trial writes one

    verdict = inv(project, database, "db.status").stdout.splitlines()[-1]
    assert "would run into them" in verdict, verdict
    assert "not tried on a scratch database" in verdict, verdict
    assert "fails at revision" not in verdict, verdict


@only_on("postgresql", "mysql", why="SQLite's side of the trial is another module's")
def test_a_leftover_the_pending_revisions_run_past_and_keep_is_named_as_what_stays_after(
    project: Project, database: ServerDatabase
) -> None:
    downgraded_leaving_notes(project, database, NOTES_IF_NOT_EXISTS)
    database.query("ALTER TABLE notes ADD COLUMN extra integer")  # no revision builds it

    verdict = inv(project, database, "db.status").stdout.splitlines()[-1]
    assert "would run into them" not in verdict, verdict
    assert "the pending migrations run through them" in verdict, verdict
    assert "leave what they do not build: unexpected column notes.extra" in verdict, verdict
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    after = inv(project, database, "db.status")
    assert "column notes.extra is in the database but not in" in after.stdout, after.stdout


@only_on("postgresql", "mysql", why="SQLite's side of the trial is another module's")
def test_a_failing_trial_never_advises_making_again_what_the_revisions_build_broken(
    project: Project, database: ServerDatabase
) -> None:
    broken_trigger_dropped_by_hand(project, database)
    database.query("CREATE TABLE x (id integer PRIMARY KEY)")  # the pending revision's, by hand
    made = '    op.create_table("x", sa.Column("id", sa.Integer, primary_key=True))'
    project.write_revision(f"{THIRD}_x.py", revision_source(THIRD, SECOND, made))

    verdict = inv(project, database, "db.status").stdout.splitlines()[-1]
    assert f"`inv db.upgrade` fails at revision {THIRD}" in verdict, verdict
    assert "CREATE TRIGGER" not in verdict, verdict  # made again, every INSERT on t fails


@only_on("postgresql", why="PostgreSQL checks a SQL function's body as it makes it")
def test_a_leftover_sql_function_reading_a_table_that_is_gone_is_tried_as_the_database_has_it(
    project: Project, database: ServerDatabase
) -> None:
    downgraded_leaving_notes(project, database, NOTES_IF_NOT_EXISTS)
    # Made while its table stood, kept after: PostgreSQL ties no table to a SQL body.
    for statement in (
        "CREATE TABLE gone_t (id integer)",
        "CREATE FUNCTION f_gone() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM gone_t $$",
        "DROP TABLE gone_t",
    ):
        database.query(statement)

    verdict = inv(project, database, "db.status").stdout.splitlines()[-1]
    assert "not tried on a scratch database" not in verdict, verdict
    assert "the pending migrations run through them" in verdict, verdict
    assert "f_gone()" in verdict, verdict
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
