"""A downgrade() that fails on the database's error is tried on a scratch database built at its
revision: failing there too, its own code is wrong, and the line says to fix it at file:line
(never "downgrade again" alone); passing there, the live database is to blame. What this run's
earlier downgrades left, missing or different, is named as theirs."""

from __future__ import annotations

import pytest
from migration_faults import ADD_NOTE, CREATE_ITEMS, DROP_ITEMS, DROP_NOTE
from project import Project
from servers import ServerDatabase, only_on
from test_stopped_downgrade_lines import error_lines, write_history

# Drops its column, then one that never existed: every database refuses the second statement
# (MariaDB has committed the first by then).
DROP_NOTE_AND_A_TYPO = DROP_NOTE + '\n    op.execute("ALTER TABLE items DROP COLUMN nickname")'
# r2 makes a table beside its index, so that what r3 left is no other revision's build.
CREATE_NAME_INDEX = (
    '    op.create_index("ix_items_name", "items", ["name"])\n'
    '    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))'
)
DROP_NAME_INDEX = (
    '    op.drop_index("ix_items_name", table_name="items")\n    op.drop_table("tags")'
)
INDEX_ONLY = '    op.create_index("ix_items_name", "items", ["name"])'
DROP_INDEX_ONLY = '    op.drop_index("ix_items_name", table_name="items")'
# Drops the index r2 made and forgets it in its downgrade().
DROPS_THE_INDEX = '    op.drop_index("ix_items_name", table_name="items")'


def failed_downgrade(
    project: Project,
    database: ServerDatabase,
    target: str | None,
    revisions: list[tuple[str, str | None, str, str]],
    first: tuple[str, str | None, str, str] = ("r1", None, CREATE_ITEMS, DROP_ITEMS),
) -> str:
    """Write ``first`` (r1, making items) and ``revisions``, upgrade, then downgrade (to
    ``target``, else one step), which fails: its error lines."""
    write_history(project, first, *revisions)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    to = ["-r", target] if target else []
    return error_lines(project.inv("db.downgrade", *to, "--yes", code=1, env=env).stderr)


def test_a_downgrade_whose_own_statement_fails_says_to_fix_it_at_its_line_not_to_run_it_again(
    project: Project, database: ServerDatabase
) -> None:
    lines = failed_downgrade(
        project,
        database,
        None,
        [
            ("r2", "r1", ADD_NOTE, DROP_NOTE_AND_A_TYPO),
        ],
    )
    assert database.revisions() == {"r2"}
    assert "r2's downgrade() fails the same way on a scratch database built at r2" in lines, lines
    assert "so its own code is wrong, not this database: fix it at" in lines, lines
    assert "r2.py:" in lines.rpartition("fix it at")[2], lines
    assert "downgrading again fails until it is fixed" in lines, lines
    assert "left by an earlier run or by hand" not in lines, lines


TAGS = '    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))'


@only_on("mysql", why="only MySQL/MariaDB keeps what a failed downgrade() ran before its error")
def test_a_half_ran_downgrade_whose_own_statement_fails_says_to_fix_it_before_running_it_again(
    project: Project, database: ServerDatabase
) -> None:
    lines = failed_downgrade(
        project,
        database,
        None,
        [
            (
                "r2",
                "r1",
                ADD_NOTE + "\n" + TAGS,
                DROP_NOTE_AND_A_TYPO + '\n    op.drop_table("tags")',
            ),
        ],
    )
    assert "r2's downgrade() half ran" in lines, lines
    assert "run `inv db.clear-migration-mark`, r2's downgrade() fails the same way" in lines, lines
    assert "(downgrading again fails until it is fixed), then downgrade again" in lines, lines
    # What the half-run drop_column took is gone: adding the column back gives it no values.
    assert "the values of column items.note are gone" in lines, lines

    # status, reading the mark, lists what the downgrade listed, and the same way on.
    status = project.inv("db.status", code=7, env={"DATABASE_URL": database.url}).stdout
    assert "missing column items.note" in status, status
    assert "r2's downgrade() fails the same way on a scratch database built at r2" in status, status


# r2 alone: what r3 left is exactly what r1 builds, which is this run's doing, not a stamp's.
@pytest.mark.parametrize(
    "r2",
    [(CREATE_NAME_INDEX, DROP_NAME_INDEX), (INDEX_ONLY, DROP_INDEX_ONLY)],
    ids=["with-a-table", "alone"],
)
def test_a_downgrade_failing_on_what_an_earlier_step_of_the_run_dropped_names_that_step(
    project: Project, database: ServerDatabase, r2: tuple[str, str]
) -> None:
    lines = failed_downgrade(
        project,
        database,
        "r1",
        [
            ("r2", "r1", *r2),
            ("r3", "r2", DROPS_THE_INDEX, "    pass"),
        ],
    )
    assert database.revisions() == {"r2"}
    assert "left by an earlier run or by hand" not in lines, lines
    assert "stamped ahead" not in lines, lines
    assert "missing index items.ix_items_name, which the empty downgrade() of revision r3 left" in (
        lines
    ), lines
    # r2's downgrade() passes where its index is there: the advice to make it again holds.
    assert "passes on a scratch database built at r2" in lines, lines
    assert "downgrade again: `inv db.downgrade -r r1`" in lines, lines


ITEMS_AND_A_VIEW = (
    CREATE_ITEMS + '\n    op.execute("CREATE VIEW item_names AS SELECT id, name FROM items")'
)


DROP_VIEW_AND_ITEMS = '    op.execute("DROP VIEW item_names")\n' + DROP_ITEMS


@only_on("sqlite", why="only SQLite's batch mode rebuilds a table, which a view over it blocks")
def test_a_batch_downgrade_a_view_blocks_says_to_fix_the_downgrade_not_to_repair_the_database(
    project: Project, database: ServerDatabase
) -> None:
    lines = failed_downgrade(
        project,
        database,
        None,
        [("r2", "r1", ADD_NOTE, DROP_NOTE)],
        first=("r1", None, ITEMS_AND_A_VIEW, DROP_VIEW_AND_ITEMS),
    )
    assert "error in view item_names" in lines, lines
    assert "r2's downgrade() fails the same way on a scratch database built at r2" in lines, lines
    assert "fix it at app/migrations/versions/r2.py:" in lines, lines
