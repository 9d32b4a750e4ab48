"""SQLite: a hand-added difference that only a rebuild of its table undoes (a CHECK, which
SQLite cannot drop; a column a table-level CHECK names, which its DROP COLUMN refuses) is
advised as statements that rebuild the table as its revision builds it, not as a hand drop
that SQLite refuses (`error in table items after drop column: no such column: note`)."""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import urlsplit

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_status_sides import inv

FIRST, SECOND = "bbbd00000001", "bbbd00000002"
ITEMS = """    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20)),
    )
    op.create_index("ix_items_name", "items", ["name"])"""
BATCH = """    with op.batch_alter_table("items") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(20), nullable=False)
    op.execute("CREATE INDEX ix_items_lower ON items (lower(name))")
    op.execute("CREATE TRIGGER tr_items AFTER INSERT ON items BEGIN SELECT 1; END")"""


def items_with_a_hand_note(project: Project, database: ServerDatabase) -> None:
    """items built by FIRST, and a column note added by hand with its own CHECK."""
    project.write_revision(f"{FIRST}_items.py", revision_source(FIRST, None, ITEMS))
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query(
        "ALTER TABLE items ADD COLUMN note text CONSTRAINT ck_items_note_hand"
        " CHECK (length(note) < 10)"
    )


@only_on("sqlite", why="SQLite alone has no DROP CONSTRAINT and refuses such a DROP COLUMN")
def test_a_hand_column_a_batch_made_a_table_check_name_is_advised_a_rebuild_that_works(
    project: Project, database: ServerDatabase
) -> None:
    items_with_a_hand_note(project, database)
    database.query("INSERT INTO items (id, name, note) VALUES (1, 'a', 'x')")
    project.write_revision(f"{SECOND}_batch.py", revision_source(SECOND, FIRST, BATCH))
    assert inv(project, database, "db.upgrade").returncode == 0
    path = urlsplit(database.url).path[1:]
    # The batch moved the CHECK to the table: SQLite's DROP COLUMN now refuses the column.
    with pytest.raises(sqlite3.OperationalError, match="no such column: note"):
        database.query("ALTER TABLE items DROP COLUMN note")

    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert (
        "Drop column items.note, check constraint items.ck_items_note_hand by hand, which on"
        " SQLite takes a rebuild of the table" in verdict
    ), verdict
    # `inv db.revision` refuses with the same advice.
    refused = inv(project, database, "db.revision", "-m", "more")
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "takes a rebuild of the table" in refused.stdout + refused.stderr, refused.stderr
    (script,) = re.findall(r"`(PRAGMA foreign_keys=OFF;[^`]*)`", verdict)
    # Followed literally, in SQLite's shell: the table is its revision's build, rows kept.
    connection = sqlite3.connect(path)
    connection.executescript(script)
    connection.close()
    assert database.query("SELECT id, name FROM items") == [(1, "a")]
    # Reflection skips the expression index and a copy keeps no trigger: made again.
    kept = database.query("SELECT name FROM sqlite_master WHERE tbl_name = 'items' ORDER BY 1")
    assert kept == [("items",), ("ix_items_lower",), ("ix_items_name",), ("tr_items",)], kept
    status = inv(project, database, "db.status")
    assert "database: against its revision rebuilt: same" in status.stdout, status.stdout


@only_on("sqlite", why="SQLite alone has no DROP CONSTRAINT")
def test_a_hand_column_with_its_own_check_is_advised_its_drop_column_alone(
    project: Project, database: ServerDatabase
) -> None:
    items_with_a_hand_note(project, database)
    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    # Its CHECK is the column's own: the column's drop takes it, no rebuild.
    (script,) = re.findall(r"on SQLite `([^`]*)`", verdict)
    assert script == 'ALTER TABLE "items" DROP COLUMN "note";', verdict
    sqlite3.connect(urlsplit(database.url).path[1:]).executescript(script).close()
    status = inv(project, database, "db.status")
    assert "database: against its revision rebuilt: same" in status.stdout, status.stdout
