"""A database that differs from its revision where the pending revisions tolerate it (their
`DROP TRIGGER IF EXISTS` of a trigger dropped by hand already) is tried: the pending revisions
run on a scratch database built at its revision and made to differ the same way, and when they
pass and end at what they build, status says `inv db.upgrade` runs, never to restore the
object first (a broken trigger made again, every INSERT failing)."""

from __future__ import annotations

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


@only_on("postgresql", "mysql", why="SQLite refuses the drop, or its batch copy loses triggers")
def test_a_pending_revision_dropping_with_if_exists_what_a_hand_dropped_is_advised_run(
    project: Project, database: ServerDatabase
) -> None:
    write_made_and_dropping(project, database)
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query(HAND_DROP[database.kind])
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
    write_made_and_dropping(project, database)
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query(HAND_DROP[database.kind])
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
    write_made_and_dropping(project, database)
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query(HAND_DROP[database.kind])
    other = '    op.create_table("u", sa.Column("id", sa.Integer, primary_key=True))'
    project.write_revision(f"{THIRD}_u.py", revision_source(THIRD, SECOND, other))
    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert "CREATE TRIGGER" not in verdict and "undo them by hand" not in verdict, verdict
    assert "it lacks only what its revisions build broken (trigger trev" in verdict, verdict
    assert 'op.execute("DROP TRIGGER IF EXISTS trev' in verdict, verdict
