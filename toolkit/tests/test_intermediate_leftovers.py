"""What a MySQL/MariaDB run stopped inside a revision leaves is any state that revision passes
through: a column it adds and drops again later in the same upgrade() is the stopped run's,
although the revision's build (before and after) lacks it alike."""

from __future__ import annotations

import pytest
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on

CREATE_ITEMS = '    op.create_table("items", sa.Column("id", sa.Integer(), primary_key=True))'
# Stops between its two operations in the database the test stops it in (as a Ctrl-C during a
# statement there would), and runs whole anywhere else (the repairs' scratch builds).
ADDS_THEN_DROPS = """\
    import os

    op.add_column("items", sa.Column("slowc", sa.String(20), nullable=True))
    if os.environ.get("STOP_BETWEEN") == "1":
        raise RuntimeError("stopped between the two operations")
    op.drop_column("items", "slowc")"""


def stopped_between_an_add_and_its_drop(project: Project, database: ServerDatabase) -> dict:
    env = {"DATABASE_URL": database.url}
    project.write_revision(
        "r1.py", revision_source("r1", None, CREATE_ITEMS, '    op.drop_table("items")')
    )
    project.inv("db.upgrade", env=env)
    project.write_revision("r2.py", revision_source("r2", "r1", ADDS_THEN_DROPS, "    pass"))
    project.inv("db.upgrade", code=1, env={**env, "STOP_BETWEEN": "1"})
    return env


@only_on("mysql", why="only MySQL/MariaDB leave a migration half-applied")
def test_a_column_the_stopped_revision_adds_then_drops_keeps_its_mark(
    project: Project, database: ServerDatabase
) -> None:
    env = stopped_between_an_add_and_its_drop(project, database)
    refused = one_error_line(project.inv("db.clear-migration-mark", code=1, env=env).stderr)
    assert "what the stopped run left is still there" in refused, refused
    assert "unexpected column items.slowc" in refused and "made by hand" not in refused, refused
    assert "the mark was kept" in refused, refused
    project.inv("db.status", code=7, env=env)
    # Undone by hand, as the refusal says: the mark clears and the upgrade runs whole.
    database.query("ALTER TABLE items DROP COLUMN slowc")
    project.inv("db.clear-migration-mark", env=env)
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {"r2"}


@only_on("mysql", "postgresql", why="the advice is read alike; one server database stands for all")
@pytest.mark.parametrize("after", [False, True], ids=["last", "another-after-it"])
def test_status_does_not_say_the_upgrade_runs_past_a_column_a_pending_revision_adds_and_drops(
    project: Project, database: ServerDatabase, after: bool
) -> None:
    env = {"DATABASE_URL": database.url}
    project.write_revision(
        "r1.py", revision_source("r1", None, CREATE_ITEMS, '    op.drop_table("items")')
    )
    project.inv("db.upgrade", env=env)
    project.write_revision("r2.py", revision_source("r2", "r1", ADDS_THEN_DROPS, "    pass"))
    if after:  # several pending revisions: r2's text was not read at all
        project.write_revision("r3.py", revision_source("r3", "r2", "    pass"))
    database.query("ALTER TABLE items ADD COLUMN slowc VARCHAR(20)")
    status = project.run("inv", "db.status", env=env)
    assert "column items.slowc is in the database" in status.stdout, status.stdout
    assert "runs, and leaves them" not in status.stdout, status.stdout
    # As it says, the upgrade runs into the column r2 adds.
    assert "slowc" in project.inv("db.upgrade", code=1, env=env).stderr
