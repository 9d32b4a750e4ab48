"""`inv db.squash --through REV`: one revision in place of base..REV, proven equal before written.

On each database: the squashed history builds the same catalog description and seed rows as the
old one; a database that was at REV upgrades past it running none of the squashed DDL, and its
checksums report no edited revision; a stretch holding a data step is refused by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from project import Project, one_error_line, revision_source
from servers import BOOKKEEPING_TABLES, ServerDatabase

R1 = revision_source(
    "r1",
    None,
    """    items = op.create_table(
        "items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, server_default="unnamed"),
        sa.UniqueConstraint("name", name="uq_items_name"),
    )
    op.bulk_insert(items, [{"id": 1, "name": "first"}, {"id": 2, "name": "second"}])""",
    '    op.drop_table("items")',
)
R2 = revision_source(
    "r2",
    "r1",
    """    tags = op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", name="fk_tags_item"),
                  nullable=False),
        sa.Column("label", sa.String(20), nullable=False),
        sa.CheckConstraint("length(label) > 0", name="ck_tags_label"),
    )
    op.create_index("ix_tags_label", "tags", ["label"])
    op.bulk_insert(tags, [{"id": 1, "item_id": 2, "label": "blue"}])""",
    '    op.drop_index("ix_tags_label", table_name="tags")\n    op.drop_table("tags")',
)
R3 = revision_source(
    "r3",
    "r2",
    """    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("price", sa.Numeric(10, 2), nullable=True))""",
    """    with op.batch_alter_table("items") as batch:
        batch.drop_column("price")""",
)
UPDATING_R2 = revision_source(
    "r2", "r1", """    op.execute("UPDATE items SET name = 'renamed' WHERE id = 2")"""
)


KINDS = revision_source(
    "k1",
    None,
    """    kinds = op.create_table(
        "kinds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.Enum("new", "old", name="kind_status"), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created", sa.DateTime(), nullable=False, server_default=sa.func.now()),
        sa.Column("note", sa.Text(), nullable=True, comment="free text"),
    )
    op.create_index("ix_kinds_status_note", "kinds", ["status", "active"], unique=True)
    op.bulk_insert(
        kinds,
        [{"id": 1, "status": "new", "payload": {"a": [1, 2]}, "active": False,
          "created": datetime.datetime(2020, 1, 2, 3, 4, 5)}],
    )""",
    '    op.drop_table("kinds")',
    imports="import datetime",
)
KINDS_VIEW = revision_source(
    "k2",
    "k1",
    '    op.execute("CREATE VIEW kind_notes AS SELECT note FROM kinds")',
    '    op.execute("DROP VIEW kind_notes")',
)

# PostgreSQL's types and collation a table's columns take, one over another: the squashed upgrade
# makes them before its tables, and its downgrade must drop them all, the outer ones first.
TYPED = revision_source(
    "k2",
    "k1",
    """    op.execute("CREATE TYPE mood AS ENUM ('calm', 'cross')")
    op.execute("CREATE DOMAIN positive_t AS integer CHECK (VALUE > 0)")
    op.execute("CREATE DOMAIN small_t AS positive_t CHECK (VALUE < 100)")
    op.execute("CREATE DOMAIN mood_t AS mood NOT NULL")
    op.execute("CREATE COLLATION shop_c (locale = 'C')")
    op.execute("CREATE DOMAIN code_t AS text COLLATE shop_c")
    op.execute("CREATE TABLE moods (id integer PRIMARY KEY, size small_t, mood mood_t,"
               " code code_t, label text COLLATE shop_c)")""",
    '    op.execute("DROP TABLE moods")',
)


def described(url: str) -> tuple[object, dict[str, list]]:
    """The catalog description and each table's sorted rows of the database at ``url``."""
    from alembic_steward.catalog import describe_catalog

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            catalog = describe_catalog(connection, ignore_tables=BOOKKEEPING_TABLES)
            tables = sorted(set(sa.inspect(connection).get_table_names()) - BOOKKEEPING_TABLES)
            rows = {
                name: sorted(
                    repr(tuple(row))
                    for row in connection.execute(
                        sa.select(sa.Table(name, sa.MetaData(), autoload_with=connection))
                    )
                )
                for name in tables
            }
    finally:
        engine.dispose()
    return catalog, rows


@contextmanager
def statements_run() -> Iterator[list[str]]:
    """Every statement any engine in this process sends while the block runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


WRITES = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE", "REPLACE", "TRUNCATE")


def changes_outside_bookkeeping(statements: list[str]) -> list[str]:
    """The statements that change a schema or rows, the bookkeeping tables' aside."""
    return [
        statement
        for statement in statements
        if statement.lstrip().upper().startswith(WRITES)
        and not any(table in statement for table in BOOKKEEPING_TABLES)
    ]


def upgrade_watched(project: Project, env: dict[str, str]) -> tuple[list[str], list[str]]:
    """Upgrade to head in this process: the statements sent, then the revisions seen edited."""
    with project.imported(**env):
        from alembic import command
        from alembic.script import ScriptDirectory

        from alembic_steward._wiring import get_blocking_engine
        from alembic_steward.runtime._config import build_alembic_config
        from alembic_steward.runtime._revision_checksums import edited_revisions

        with statements_run() as seen:
            command.upgrade(build_alembic_config(quiet=True), "head")
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        with get_blocking_engine().connect() as connection:
            return seen, edited_revisions(connection, script)


def test_squashed_history_builds_the_same_and_a_database_at_rev_runs_none_of_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    for name, source in (("r1.py", R1), ("r2.py", R2), ("r3.py", R3)):
        project.write_revision(name, source)
    project.inv("db.upgrade", env=env)
    old = described(database.url)
    project.inv("db.downgrade", "-r", "r2", env=env)

    dry = project.inv("db.squash", "--through", "r2", "--dry-run", env=env)
    assert "Would replace 2 revisions (r1, r2)" in dry.stdout
    assert (project.versions / "r1.py").exists()
    squashed = project.inv("db.squash", "--through", "r2", env=env)
    assert "Squashed 2 revisions (r1, r2) into r2" in squashed.stdout
    assert "inv db.upgrade -r r2" in squashed.stdout  # what a database below r2 must do first
    assert "The local database is at r2, not below r2: it needs nothing." in squashed.stdout
    assert not (project.versions / "r1.py").exists()
    text = (project.versions / "r2.py").read_text()
    assert "down_revision = None" in text and 'squashes = ("r1", "r2")' in text
    assert "op.bulk_insert" in text
    project.inv("db.lint", "--all", env=env)  # CI lints every revision: the squashed one passes

    # The database was at r2 under the old history: only r3 runs, none of the squashed DDL.
    seen, edited = upgrade_watched(project, env)
    assert changes_outside_bookkeeping(seen)  # r3's column
    changes = [s for s in seen if s.lstrip().upper().startswith(("CREATE", "INSERT INTO ITEMS"))]
    assert not [s for s in changes if "items" in s.lower() and "alembic_tmp" not in s.lower()]
    assert not [s for s in seen if "tags" in s.lower()]
    assert edited == []

    # Squashed again, through the head: a database at r3 runs nothing, and sees no edit.
    project.inv("db.squash", "--through", "r3", env=env)
    assert {path.name for path in project.versions.glob("*.py")} == {"r3.py"}
    seen, edited = upgrade_watched(project, env)
    assert changes_outside_bookkeeping(seen) == []
    assert edited == []

    # Built afresh by the squashed history: the same description and rows as the old one.
    project.inv("db.downgrade", "-r", "base", env=env)
    assert database.model_tables() == set()
    project.inv("db.upgrade", env=env)
    new = described(database.url)
    assert new[1] == old[1]
    from alembic_steward.catalog import compare_catalogs

    assert compare_catalogs(old[0], new[0]) == []
    # The replayed rows kept their ids; the next id is past them (PostgreSQL: its sequence moved).
    database.query("INSERT INTO items (name) VALUES ('third')")
    assert database.query("SELECT id FROM items WHERE name = 'third'") == [(3,)]


def test_a_stretch_with_a_data_step_is_refused_by_name(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    plain_r3 = revision_source("r3", "r2", "    pass")
    for name, source in (("r1.py", R1), ("r2.py", UPDATING_R2), ("r3.py", plain_r3)):
        project.write_revision(name, source)
    failed = project.inv("db.squash", "--through", "r3", code=1, env=env)
    line = one_error_line(failed.stderr)
    assert "r2 runs UPDATE on items" in line and "nothing was written" in line
    assert "r3 runs" not in line and "r1 runs" not in line
    assert {path.name for path in project.versions.glob("*.py")} == {"r1.py", "r2.py", "r3.py"}
    assert "down_revision = 'r2'" in (project.versions / "r3.py").read_text()


def test_a_local_database_below_rev_is_refused_with_the_upgrade_to_run_first(
    project: Project, tmp_path
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{(tmp_path / 'local.db').as_posix()}"}
    for name, source in (("r1.py", R1), ("r2.py", R2)):
        project.write_revision(name, source)
    project.inv("db.upgrade", "-r", "r1", env=env)
    failed = project.inv("db.squash", "--through", "r2", code=1, env=env)
    line = one_error_line(failed.stderr)
    assert "the local database is at r1, below r2" in line
    assert "`inv db.upgrade -r r2`" in line and "nothing was written" in line
    assert (project.versions / "r1.py").exists()
    project.inv("db.upgrade", "-r", "r2", env=env)  # the command the line names
    project.inv("db.squash", "--through", "r2", env=env)


def test_enum_json_defaults_and_comments_are_reproduced_and_a_view_is_refused_by_name(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    project.write_revision("k1.py", KINDS)
    project.write_revision("k2.py", KINDS_VIEW)
    refused = project.inv("db.squash", "--through", "k2", code=1, env=env)
    line = one_error_line(refused.stderr)
    assert "view kind_notes is in the old history but not in the squashed revision" in line
    assert "check constraint" not in line  # MariaDB's JSON check comes back with the type

    typed = database.kind == "postgresql"
    project.write_revision("k2.py", TYPED if typed else revision_source("k2", "k1", "    pass"))
    project.inv("db.squash", "--through", "k2", env=env)  # proven equal, rows included
    if typed:  # and its downgrade, proven to leave nothing, drops each type after those over it
        downgrade = (project.versions / "k2.py").read_text().split("def downgrade")[1]
        assert [line.strip() for line in downgrade.splitlines() if "op.execute" in line] == [
            'op.execute("DROP DOMAIN small_t")',
            'op.execute("DROP DOMAIN mood_t")',
            'op.execute("DROP DOMAIN positive_t")',
            'op.execute("DROP DOMAIN code_t")',
            'op.execute("DROP TYPE mood")',
            'op.execute("DROP TYPE kind_status")',
            'op.execute("DROP COLLATION shop_c")',
        ], downgrade


@pytest.mark.parametrize("through", ["r1", "nope"])
def test_nothing_to_squash_or_an_unknown_revision_is_refused(project: Project, through) -> None:
    project.write_revision("r1.py", R1)
    failed = project.inv("db.squash", "--through", through, code=1)
    assert "nothing was written" in one_error_line(failed.stderr)


def test_a_merge_or_a_branch_point_in_the_stretch_is_refused(project: Project) -> None:
    project.write_revision("r1.py", R1)
    project.write_revision("b1.py", revision_source("b1", "r1", "    pass"))
    project.write_revision("b2.py", revision_source("b2", "r1", "    pass"))
    branch = one_error_line(project.inv("db.squash", "--through", "b1", code=1).stderr)
    assert "r1 is a branch point (b1, b2 follow it)" in branch
    project.write_revision("m1.py", revision_source("m1", ("b1", "b2"), "    pass"))
    project.write_revision("m2.py", revision_source("m2", "m1", "    pass"))
    merge = one_error_line(project.inv("db.squash", "--through", "m2", code=1).stderr)
    assert "m1 merges b1, b2" in merge and "nothing was written" in merge


def test_an_old_history_that_fails_on_an_empty_database_is_refused(project: Project) -> None:
    project.write_revision("r1.py", R1)
    project.write_revision(
        "r2.py", revision_source("r2", "r1", '    raise RuntimeError("needs production rows")')
    )
    failed = project.inv("db.squash", "--through", "r2", code=1)
    line = one_error_line(failed.stderr)
    assert "cannot squash through r2: the old history fails on an empty database" in line
    assert "needs production rows" in line and "nothing was written" in line


def test_a_message_with_quotes_and_backslashes_stays_inside_the_docstring(
    project: Project,
) -> None:
    project.write_revision("r1.py", R1)
    message = 'Tag "blue" items \\\\ \\\\n'  # the file says \\ \\n: a backslash, then n
    project.write_revision("r2.py", revision_source("r2", "r1", "    pass", message=message))
    project.inv("db.squash", "--through", "r2")
    assert "r2 (head)" in project.inv("db.heads", "--verbose").stdout
    assert 'Tag "blue" items \\ \\n' in project.inv("db.history").stdout


def test_a_database_at_a_squashed_away_revision_is_told_to_upgrade_with_the_old_history(
    project: Project, tmp_path
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{(tmp_path / 'local.db').as_posix()}"}
    for name, source in (("r1.py", R1), ("r2.py", R2)):
        project.write_revision(name, source)
    project.inv("db.upgrade", "-r", "r2", env=env)
    project.inv("db.squash", "--through", "r2", env=env)
    # Another developer's database, still at r1, meets the squashed history.
    other = {"DATABASE_URL": f"sqlite:///{(tmp_path / 'other.db').as_posix()}"}
    project.write_revision("r1_old.py", R1)
    project.inv("db.upgrade", "-r", "r1", env=other)
    (project.versions / "r1_old.py").unlink()
    status = project.run("inv", "db.status", env=other)
    assert "which revision r2 squashed" in status.stdout + status.stderr
    assert "`inv db.upgrade -r r2`" in status.stdout + status.stderr
