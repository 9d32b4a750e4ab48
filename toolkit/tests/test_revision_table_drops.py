"""`inv db.lint`, `db.revision` and `db.status` (pending) warn when a revision drops or renames a
table that a view, trigger or routine an earlier revision made still names, as they do for a
column: read from the revision files alone, before anything runs."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase
from test_status_sides import inv

FIRST, SECOND = "ddda00000001", "ddda00000002"
TABLES = """    op.create_table(
        "t", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)
    )
    op.create_table(
        "posts", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False)
    )
    op.execute("CREATE VIEW vposts AS SELECT id FROM posts")"""
# What reads posts besides the view, as each database writes it.
READER = {
    "sqlite": "CREATE TRIGGER tlog AFTER INSERT ON t"
    " BEGIN INSERT INTO posts (id) VALUES (NEW.id); END",
    "postgresql": "CREATE FUNCTION count_posts() RETURNS bigint LANGUAGE sql AS"
    " $$ SELECT count(*) FROM posts $$",
    "mysql": "CREATE TRIGGER tlog AFTER INSERT ON t FOR EACH ROW"
    " INSERT INTO posts (id) VALUES (NEW.id)",
}
READER_SUBJECT = {
    "sqlite": f"trigger tlog (made by revision {FIRST})",
    "postgresql": f"function count_posts() (made by revision {FIRST})",
    "mysql": f"trigger tlog (made by revision {FIRST})",
}
VIEW_SUBJECT = f"view vposts (made by revision {FIRST})"


def lint_warnings(project: Project, database: ServerDatabase, change: str) -> list[str]:
    first = f"{TABLES}\n    op.execute({READER[database.kind]!r})"
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, first))
    project.write_revision(f"{SECOND}_change.py", revision_source(SECOND, FIRST, change))
    lint = inv(project, database, "db.lint", "--all")
    return sorted(line for line in lint.stdout.splitlines() if line.startswith("warning:"))


def test_lint_warns_of_a_table_drop_an_earlier_revision_s_view_or_routine_names(
    project: Project, database: ServerDatabase
) -> None:
    warnings = lint_warnings(project, database, '    op.drop_table("posts")')
    view = {
        "postgresql": "the drop then fails",  # PostgreSQL refuses to drop a table a view reads
        "sqlite": "the drop leaves view vposts failing whenever it is read",
        "mysql": "the drop leaves view vposts failing whenever it is read",
    }[database.kind]
    reader, fix = {
        "postgresql": ("function count_posts() failing whenever it runs", "count_posts()"),
        "sqlite": ("trigger tlog failing whenever it fires", "tlog"),
        "mysql": ("trigger tlog failing whenever it fires", "tlog"),
    }[database.kind]
    expected = sorted(
        [
            f"warning: revision {SECOND} drops table posts, which {READER_SUBJECT[database.kind]}"
            f" still names: the drop leaves {reader}; in {SECOND}, before the drop, drop {fix}"
            " or make it again without posts",
            f"warning: revision {SECOND} drops table posts, which {VIEW_SUBJECT} still names:"
            f" {view}; in {SECOND}, before the drop, drop vposts or make it again without posts",
        ]
    )
    assert warnings == expected, warnings
    # Status says them too while the revision is pending.
    status = inv(project, database, "db.status")
    for warning in expected:
        assert warning in status.stderr.splitlines(), status.stderr


def test_lint_warns_of_a_table_rename_an_earlier_revision_s_routine_or_mariadb_view_names(
    project: Project, database: ServerDatabase
) -> None:
    warnings = lint_warnings(project, database, '    op.rename_table("posts", "articles")')
    remade = "before the rename and make it again after it, naming articles"
    named = {
        # SQLite's RENAME rewrites the views and triggers naming the table; PostgreSQL's view
        # follows it, a function's body does not.
        "sqlite": [],
        "postgresql": [
            (
                READER_SUBJECT["postgresql"],
                "after the rename, make count_posts() again naming articles"
                " (`CREATE OR REPLACE FUNCTION`)",
            )
        ],
        "mysql": [
            (READER_SUBJECT["mysql"], f"drop tlog {remade}"),
            (VIEW_SUBJECT, f"drop vposts {remade}"),
        ],
    }[database.kind]
    assert len(warnings) == len(named), warnings
    for warning, (subject, fix) in zip(warnings, named, strict=True):
        assert (
            f"warning: revision {SECOND} renames table posts to articles, which {subject} still"
            " names: it then fails whenever it runs"
        ) in warning, warning
        assert f"in {SECOND}, {fix}" in warning, warning


def test_a_later_revision_that_makes_the_view_again_silences_the_warning() -> None:
    from alembic_steward.inspection._revision_table_drops import dropped_tables

    def source(body: str) -> str:
        return revision_source("r", None, body)

    history = [
        ("a", source('    op.execute("CREATE VIEW v AS SELECT id FROM posts")')),
        ("b", source('    op.drop_table("posts")')),
    ]
    (found,) = dropped_tables(history, "mysql")
    assert (found.revision, found.table, found.made.name) == ("b", "posts", "v")
    again = ("c", source('    op.execute("CREATE OR REPLACE VIEW v AS SELECT id FROM t")'))
    assert dropped_tables([*history, again], "mysql") == []
    # Dropped with the table, before it: nothing to say.
    both = '    op.execute("DROP VIEW v")\n    op.drop_table("posts")'
    assert dropped_tables([history[0], ("b", source(both))], "postgresql") == []

    # Made again by the same upgrade() (a rebuild by hand): the view reads the new one, but
    # PostgreSQL still refuses the drop.
    rebuilt = (
        '    op.drop_table("posts")\n    op.create_table("posts", sa.Column("id", sa.Integer))'
    )
    history = [history[0], ("b", source(rebuilt))]
    assert dropped_tables(history, "mysql") == []
    assert [found.line for found in dropped_tables(history, "postgresql")] == [
        "revision b drops table posts, which view v (made by revision a) still names: the drop"
        " then fails; in b, before the drop, drop v or make it again without posts"
    ]
