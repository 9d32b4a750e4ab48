"""A stamp back runs no downgrade(), so the revisions it un-applies keep their checksum rows
(their upgrade() ran here: the next upgrade refuses to run them again), however many it steps
over, `--purge` too, and lose their phase rows (the phases are those of what is applied); the
same stamp again, finding the schema what it records, forgets them: the way out once their
work was undone by hand."""

from __future__ import annotations

import pytest
from project import Project
from servers import ServerDatabase
from stuck_states import write_revision

REVISIONS = ["ffff00000001", "ffff00000002", "ffff00000003"]
NOTHING = "    pass"


def rows(database: ServerDatabase, table: str) -> set[str]:
    return {revision for (revision,) in database.query(f"SELECT revision FROM {table}")}


# Each database and each stamp once: `--purge` only changes which rows the stamp clears, in the
# same Python whatever the database.
@pytest.mark.parametrize(
    ("database", "purge"),
    [("sqlite", False), ("postgresql", True), ("mysql", False)],
    indirect=["database"],
    ids=["sqlite-stamp", "postgresql-purge", "mysql-stamp"],
)
def test_stamping_back_keeps_the_rows_of_what_ran_until_the_same_stamp_again(
    project: Project, database: ServerDatabase, purge: bool
) -> None:
    parent = None
    for revision in REVISIONS:
        write_revision(project, revision, parent, NOTHING)
        parent = revision
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    assert rows(database, "alembic_revision_checksums") == set(REVISIONS)
    assert rows(database, "alembic_revision_phases") == set(REVISIONS)

    purging = ["--purge"] if purge else []
    project.inv("db.stamp", *purging, "-r", REVISIONS[0], env=env)
    assert database.revisions() == {REVISIONS[0]}
    assert rows(database, "alembic_revision_checksums") == set(REVISIONS)
    assert rows(database, "alembic_revision_phases") == {REVISIONS[0]}

    project.inv("db.stamp", *purging, "-r", REVISIONS[0], env=env)
    assert rows(database, "alembic_revision_checksums") == {REVISIONS[0]}
    assert rows(database, "alembic_revision_phases") == {REVISIONS[0]}
