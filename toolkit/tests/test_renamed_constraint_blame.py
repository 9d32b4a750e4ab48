"""A constraint or index renamed by hand before a downgrade, on a table the reverted revision
changes otherwise (a column added), is no leftover of that downgrade(): the line says it was
there before, as it says of a hand-added column, and never to make the downgrade() undo it."""

from __future__ import annotations

from project import Project, one_error_line, revision_source
from servers import ServerDatabase

DATABASE_DIFFERS = 9
SALES_UP = """    op.create_table(
        "sales",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("amount", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_sales"),
        sa.CheckConstraint("amount > 0", name="ck_sales_amount"),
    )
    op.create_index("ix_sales_amount", "sales", ["amount"])"""
NOTE_UP = '    op.add_column("sales", sa.Column("note", sa.String(20)))'
NOTE_DOWN = '    op.drop_column("sales", "note")'
# By hand, each server its own way: the primary key, the CHECK and the index renamed (MySQL/
# MariaDB name every primary key PRIMARY), a column and a UNIQUE constraint added.
BY_HAND = {
    "postgresql": [
        "ALTER TABLE sales RENAME CONSTRAINT pk_sales TO sales_pkey",
        "ALTER TABLE sales RENAME CONSTRAINT ck_sales_ck_sales_amount TO ck_hand",
        "ALTER INDEX ix_sales_amount RENAME TO ix_hand",
        "ALTER TABLE sales ADD COLUMN extra INTEGER",
        "ALTER TABLE sales ADD CONSTRAINT uq_hand UNIQUE (amount)",
    ],
    "mysql": [
        "ALTER TABLE sales DROP CONSTRAINT ck_sales_ck_sales_amount",
        "ALTER TABLE sales ADD CONSTRAINT ck_hand CHECK (amount > 0)",
        "ALTER TABLE sales RENAME INDEX ix_sales_amount TO ix_hand",
        "ALTER TABLE sales ADD COLUMN extra INTEGER",
        "ALTER TABLE sales ADD CONSTRAINT uq_hand UNIQUE (amount)",
    ],
    "sqlite": [
        "CREATE TABLE sales_h (id INTEGER NOT NULL, amount INTEGER, note VARCHAR(20),"
        " extra INTEGER, CONSTRAINT sales_pkey PRIMARY KEY (id),"
        " CONSTRAINT ck_hand CHECK (amount > 0), CONSTRAINT uq_hand UNIQUE (amount))",
        "DROP TABLE sales",
        "ALTER TABLE sales_h RENAME TO sales",
        "CREATE INDEX ix_hand ON sales (amount)",
    ],
}


def test_constraints_renamed_by_hand_before_a_downgrade_are_not_blamed_on_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    imports = "import sqlalchemy as sa"
    project.write_revision("sales.py", revision_source("sales", None, SALES_UP, imports=imports))
    note = revision_source("note", "sales", NOTE_UP, NOTE_DOWN, imports=imports)
    project.write_revision("note.py", note)
    project.inv("db.upgrade", env=env)
    for statement in BY_HAND[database.kind]:
        database.query(statement)

    completed = project.inv("db.downgrade", code=DATABASE_DIFFERS, env=env)

    line = one_error_line(completed.stderr)
    assert "did not undo" not in line and "undo them too" not in line, line
    assert "the downgrade() of note undid what its upgrade() made" in line, line
    before = line.partition("which note does not touch")[0]
    for brief in ("check constraint sales.ck_hand", "index sales.ix_hand", "column sales.extra"):
        assert brief in before, line
    if database.kind != "mysql":
        assert "different primary key sales (name)" in before, line
    assert database.revisions() == {"sales"}
