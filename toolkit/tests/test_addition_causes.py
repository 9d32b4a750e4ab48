"""What the database has in addition to its revision's build is not said to be added by hand
as a fact: a downgrade() that made it again, or another run, leaves it just the same."""

from __future__ import annotations

from project import Project, one_error_line, revision_source
from servers import ServerDatabase

TABLE = (
    '    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("title", sa.String(20)))\n'
    '    op.create_index("ix_items_title", "items", ["title"])'
)
# r2 adds a column and drops the index; its downgrade() makes the index again, column kept.
DROP_INDEX = (
    '    op.add_column("items", sa.Column("note", sa.String(20)))\n'
    '    op.drop_index("ix_items_title", table_name="items")'
)
MAKE_INDEX = '    op.create_index("ix_items_title", "items", ["title"])'


def test_an_index_a_downgrade_made_again_is_not_said_added_by_hand(
    project: Project, database: ServerDatabase
) -> None:
    # t48 M17: after a downgrade that made the index again and a stamp at head, status said
    # "which no stamp explains, so they were added by hand".
    env = {"DATABASE_URL": database.url}
    project.write_revision("r1.py", revision_source("r1", None, TABLE))
    project.write_revision("r2.py", revision_source("r2", "r1", DROP_INDEX, MAKE_INDEX))
    project.inv("db.upgrade", env=env)
    project.inv("db.downgrade", code=9, env=env)  # it says the column stayed
    project.inv("db.stamp", "-r", "head", env=env)
    verdict = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]
    assert "so they were added by hand." not in verdict, verdict
    assert (
        "which no stamp explains: they were added by hand, or left by a downgrade() or another"
        " run. Drop index items.ix_items_title by hand"
    ) in verdict, verdict
    check = one_error_line(project.inv("db.check", code=9, env=env).stderr)
    assert "left by a downgrade() or another run" in check, check
