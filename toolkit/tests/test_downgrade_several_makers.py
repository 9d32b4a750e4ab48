"""A downgrade over several revisions whose downgrade()s each left something names them as
several, in `db.downgrade`'s line and in `db.status`'s, never as one revision."""

from __future__ import annotations

from made_revisions import add_users
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on
from test_downgrade_leftovers import DATABASE_DIFFERS, FORGETFUL_DOWN, NOTES_UP

IMPORTS = "import sqlalchemy as sa"
# Each forgets its index: two revisions' downgrade()s leave one thing each.
TAGS_UP = (
    '    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))\n'
    '    op.create_index("ix_users_email_tags", "users", ["email"])'
)
TAGS_FORGETFUL_DOWN = '    op.drop_table("tags")'


@only_on("postgresql", "mysql", why="SQLite's status tries the upgrade on a copy instead")
def test_two_forgetful_downgrades_are_named_as_two_by_downgrade_and_status(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = add_users(project)
    notes = revision_source("notes", first, NOTES_UP, FORGETFUL_DOWN, imports=IMPORTS)
    project.write_revision("notes.py", notes)
    tags = revision_source("tags", "notes", TAGS_UP, TAGS_FORGETFUL_DOWN, imports=IMPORTS)
    project.write_revision("tags.py", tags)
    project.inv("db.upgrade", env=env)

    completed = project.inv("db.downgrade", "-r", first, "--yes", code=DATABASE_DIFFERS, env=env)
    line = one_error_line(completed.stderr)
    assert "the downgrade()s of tags and notes did not undo all their upgrade()s made" in line, line
    assert "its upgrade() made" not in line, line

    verdict = project.inv("db.status", code=DATABASE_DIFFERS, env=env).stdout.splitlines()[-1]
    assert "the downgrades of revisions tags and notes, the last run recorded here" in verdict, (
        verdict
    )
    assert "revision tags, notes" not in verdict, verdict
