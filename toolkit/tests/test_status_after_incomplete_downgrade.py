"""After a downgrade whose downgrade() forgot part of what its upgrade() made, status names that
downgrade as the likely cause of what is left, as the downgrade's own error did, not "a
migration that failed ... or a hand change", while the database is as that downgrade left it.
The record and the wording are no dialect's: SQLite's is enough."""

from __future__ import annotations

from project import Project
from servers import ServerDatabase, only_on
from test_downgrade_leftovers import DATABASE_DIFFERS, forgetful_notes_applied


@only_on("sqlite", why="the record and the wording are the same on every database")
def test_status_names_the_downgrade_that_left_an_index_while_the_database_is_as_it_left_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    forgetful_notes_applied(project, env)
    project.inv("db.downgrade", code=DATABASE_DIFFERS, env=env)

    status = project.inv("db.status", code=DATABASE_DIFFERS, env=env)
    verdict = status.stdout.splitlines()[-1]
    assert "a migration that failed" not in verdict, verdict
    assert "the downgrade of revision notes" in verdict, verdict
    assert "index users.ix_users_email_notes" in status.stdout, status.stdout

    database.query("DROP INDEX ix_users_email_notes")  # undone by hand: nothing left to blame
    project.inv("db.status", code=2, env=env)
    project.inv("db.upgrade", env=env)
