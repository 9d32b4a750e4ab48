"""`inv db.squash` writes each index as the old history made it: its columns' order, and on
SQLite and PostgreSQL its expressions, per-column collations and predicate, on PostgreSQL its
operator classes too; a column's collation and a CHECK's expression likewise. The squash's own
proof (both histories built and compared) decides: a lost detail refuses the squash."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on

# A descending index as the README's testers wrote it, in a table's Index, by op.create_index,
# and two columns of opposite orders.
DESCENDING = revision_source(
    "r1",
    None,
    """    op.create_table(
        "t",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=True),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Index("ix_t_name_desc", sa.text("name DESC")),
    )
    op.create_index("ix_t_n_desc", "t", [sa.text("n DESC"), "name"])
    op.create_index("ix_t_name_n", "t", ["name", sa.text("n DESC")], unique=True)""",
    '    op.drop_table("t")',
)
LATER = revision_source("r2", "r1", "    pass")

DETAILS = {
    "sqlite": """    op.create_table(
        "t",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50, collation="NOCASE"), nullable=True),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.CheckConstraint("n > 0 AND (name <> ')' OR n IS NULL)", name="ck_t_n"),
    )
    op.create_index("ix_t_lower", "t", [sa.text("lower(name)")])
    op.create_index("ix_t_part", "t", ["n"], sqlite_where=sa.text("n > 5"))
    op.execute("CREATE INDEX ix_t_coll ON t (name COLLATE BINARY, n DESC)")""",
    "postgresql": """    op.create_table(
        "t",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50, collation="C"), nullable=True),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.CheckConstraint("n > 0 AND (name <> ')' OR n IS NULL)", name="ck_t_n"),
    )
    op.create_index("ix_t_lower", "t", [sa.text("lower(name) DESC")])
    op.create_index("ix_t_part", "t", ["n"], postgresql_where=sa.text("n > 5"))
    op.create_index("ix_t_ops", "t", ["name"], postgresql_ops={"name": "text_pattern_ops"})
    op.execute(
        'CREATE INDEX ix_t_coll ON t (name COLLATE "POSIX" text_pattern_ops, n DESC NULLS LAST)'
    )""",
}


def test_a_descending_index_survives_the_squash(project: Project, database: ServerDatabase) -> None:
    env = {"DATABASE_URL": database.url}
    project.write_revision("r1.py", DESCENDING)
    project.write_revision("r2.py", LATER)
    project.inv("db.squash", "--through", "r2", env=env)  # proven to build the same indexes
    assert "DESC" in (project.versions / "r2.py").read_text()


@only_on("sqlite", "postgresql", why="MariaDB has no expression or partial index")
def test_expressions_collations_predicates_and_operator_classes_survive_the_squash(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    project.write_revision("r1.py", revision_source("r1", None, DETAILS[database.kind]))
    project.write_revision("r2.py", LATER)
    squashed = project.inv("db.squash", "--through", "r2", env=env)
    assert "SAWarning" not in squashed.stderr  # SQLite's expression index is read, not skipped
    project.inv("db.downgrade", "-r", "base", env=env)  # the written file runs both ways
    project.inv("db.upgrade", env=env)
