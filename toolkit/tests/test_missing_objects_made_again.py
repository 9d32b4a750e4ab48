"""What a run or a hand left missing is made again, not "undone": the repair each line
advises is worded by the kind of difference (runtime/_hand_repairs.py)."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_downgrade_only_edits_compared import DOWNGRADE, write_items

FAILING_DOWNGRADE = """\
    with op.get_context().autocommit_block():
        op.drop_index("ix_items_name", table_name="items")
    raise RuntimeError("this downgrade fails after committing the drop")"""


@only_on("postgresql", why="only PostgreSQL commits part of a failed step: an autocommit_block()")
def test_a_failed_downgrade_that_left_an_index_missing_says_to_make_it_again_not_undo_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    write_items(project, FAILING_DOWNGRADE)
    project.inv("db.upgrade", env=env)

    failed = project.run("inv", "db.downgrade", env=env)

    assert failed.returncode != 0, failed.stdout + failed.stderr
    said = failed.stderr
    assert "missing index items.ix_items_name" in said, said
    assert "undo those by hand" not in said, said
    assert "make it again by hand" in said, said


def test_status_behind_head_says_to_make_a_missing_index_again_not_to_undo_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    write_items(project, DOWNGRADE)
    project.inv("db.upgrade", env=env)
    tags = '    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))'
    source = revision_source("dddd00000002", "dddd00000001", tags, message="Tags.")
    project.write_revision("dddd00000002_tags.py", source)
    on = " ON items" if database.kind == "mysql" else ""
    database.query(f"DROP INDEX ix_items_name{on}")

    status = project.run("inv", "db.status", env=env)

    assert status.returncode == 9, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "undo them by hand" not in verdict.lower(), verdict
    assert "make it again by hand" in verdict, verdict
