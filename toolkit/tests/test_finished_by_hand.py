"""A MySQL/MariaDB migration that stopped half-way and was finished by hand is recorded by a stamp.

The advice used to be "finish or undo it by hand, then `inv db.clear-migration-mark` and
migrate again": after finishing by hand, migrating again reran the whole migration from its
start and failed on what it had already made. The advice now names `inv db.stamp` for that
case (a stamp also clears the mark), and says the rows the migration changed may need repair.
"""

from __future__ import annotations

import pytest
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on

CREATE_NOTES = '    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))'
# Changes a row, creates a table (on MySQL/MariaDB that commits the row too), then fails
# before its last operation.
STOPS_HALF_WAY = """\
    op.execute("UPDATE notes SET id = 2 WHERE id = 1")
    op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("SELECT * FROM no_such_table")
    op.add_column("notes", sa.Column("body", sa.String(20), nullable=True))"""
FIXED = STOPS_HALF_WAY.replace('    op.execute("SELECT * FROM no_such_table")\n', "")
UNDO = """\
    op.drop_column("notes", "body")
    op.execute("UPDATE notes SET id = 1 WHERE id = 2")
    op.drop_table("tags")"""


def stopped_half_way(project: Project, database: ServerDatabase) -> dict[str, str]:
    """Apply r1, add a row, then run r2, which fails after committing a table and a row."""
    env = {"DATABASE_URL": database.url}
    project.write_revision(
        "r1.py", revision_source("r1", None, CREATE_NOTES, '    op.drop_table("notes")')
    )
    project.inv("db.upgrade", env=env)
    database.query("INSERT INTO notes (id) VALUES (1)")
    project.write_revision(
        "r2.py", revision_source("r2", "r1", STOPS_HALF_WAY, UNDO, message="Tags")
    )
    return env


def test_the_advice_for_a_migration_finished_by_hand_is_a_stamp_that_clears_the_mark(
    project: Project, database: ServerDatabase
) -> None:
    env = stopped_half_way(project, database)
    failed = project.inv("db.upgrade", code=1, env=env).stderr.strip().splitlines()
    if database.kind != "mysql":
        assert failed[-1] == "error: rolled back; the database is still at r1"
        return
    # Read after the failure: the table it committed is named.
    assert "r2 is half-applied: the database is still at r1" in failed[-1]
    assert "unexpected table tags" in failed[-1]
    assert "`inv db.stamp -r r2`" in failed[-1] and "rows" in failed[-1]

    status = project.inv("db.status", code=7, env=env).stdout
    verdict = next(line for line in status.splitlines() if line.startswith("status:"))
    assert "finish it by hand" in verdict and "`inv db.stamp -r r2`" in verdict
    assert "rows" in verdict and "`inv db.clear-migration-mark`" in verdict

    # Finished by hand: the migration's last operation, and the file fixed for other databases.
    database.query("ALTER TABLE notes ADD COLUMN body VARCHAR(20)")
    project.write_revision("r2.py", revision_source("r2", "r1", FIXED, UNDO, message="Tags"))
    stamped = project.inv("db.stamp", "-r", "r2", env=env).stdout
    assert "Stamped the database at r2." in stamped
    assert "cleared the mark of the run that stopped after revision r1" in stamped
    # Up to date (the fixture's models are empty, hence 3) and built as r2 builds it.
    status = project.inv("db.status", code=3, env=env).stdout
    assert "current: r2" in status and "against its revision rebuilt: same" in status
    assert "Running upgrade" not in project.inv("db.upgrade", env=env).stderr
    assert database.revisions() == {"r2"}
    assert database.query("SELECT id FROM notes") == [(2,)]  # as the failed run committed it


@only_on("mysql", why="only MySQL/MariaDB leave a migration half-applied")
def test_clearing_the_mark_says_that_migrating_again_reruns_the_migration(
    project: Project, database: ServerDatabase
) -> None:
    env = stopped_half_way(project, database)
    project.inv("db.upgrade", code=1, env=env)
    # Not undone yet: clearing would let the upgrade rerun r2 into its own table and fail.
    refused = one_error_line(project.inv("db.clear-migration-mark", code=1, env=env).stderr)
    assert "differs from what r1 builds by: unexpected table tags" in refused, refused
    assert "`inv db.upgrade` would run r2 into it and fail" in refused
    assert "nothing was changed" in refused and "`inv db.stamp -r r2`" in refused
    project.inv("db.status", code=7, env=env)  # the mark was kept
    # Undone by hand this time: the table it made and the row it changed.
    database.query("DROP TABLE tags")
    database.query("UPDATE notes SET id = 1 WHERE id = 2")
    cleared = project.inv("db.clear-migration-mark", env=env).stdout
    assert "Cleared the mark of the run that stopped after revision r1" in cleared
    assert "still at r1" in cleared and "`inv db.stamp -r r2`" in cleared
    project.write_revision("r2.py", revision_source("r2", "r1", FIXED, UNDO, message="Tags"))
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT id FROM notes") == [(2,)]


@only_on("mysql", why="only MySQL/MariaDB leave a migration half-applied")
def test_raw_alembic_stamp_clears_the_mark_too_but_a_failed_stamp_keeps_it(
    project: Project, database: ServerDatabase
) -> None:
    env = stopped_half_way(project, database)
    project.inv("db.upgrade", code=1, env=env)
    mistyped = project.run("alembic", "stamp", "r9", env=env)
    assert mistyped.returncode != 0
    project.inv("db.status", code=7, env=env)
    database.query("ALTER TABLE notes ADD COLUMN body VARCHAR(20)")
    stamped = project.run("alembic", "stamp", "r2", env=env)
    assert stamped.returncode == 0, stamped.stdout + stamped.stderr
    assert database.revisions() == {"r2"}
    # r2 stands as it stopped, failing: stamped, its history cannot build a new database.
    status = project.inv("db.status", code=1, env=env).stdout
    assert "current: r2" in status and "the history cannot build a new database" in status


@only_on("mysql", why="only MySQL/MariaDB leave a migration half-applied")
@pytest.mark.parametrize("repair", ["finished by hand", "undone by hand"])
def test_an_installed_service_is_advised_its_own_commands_which_repair_it(
    project: Project, database: ServerDatabase, repair: str
) -> None:
    # A pod runs the service from a wheel: app/ without the project's pyproject.toml, and no
    # `inv`. The advice must name what runs there: `python -m app.migrations ...`.
    env = stopped_half_way(project, database)
    (project.path / "pyproject.toml").unlink()
    deploy = ("python", "-m", "app.migrations")
    failed = project.run(*deploy, "upgrade", env=env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    line = failed.stderr.strip().splitlines()[-1]
    assert "`python -m app.migrations stamp r2 --yes`" in line, line
    assert "`python -m app.migrations clear-migration-mark`" in line, line
    assert "inv " not in line, line
    project.write_revision("r2.py", revision_source("r2", "r1", FIXED, UNDO, message="Tags"))
    # A mistyped revision: the same line as `inv db.stamp`'s, in this service's own words.
    mistyped = project.run(*deploy, "stamp", "nosuch", "--yes", env=env)
    line = one_error_line(mistyped.stderr)
    assert "'nosuch'; nothing was changed: the database is at r1;" in line, line
    assert "this release's revisions are the files in" in line and "inv " not in line, line
    if repair == "finished by hand":
        unconfirmed = project.run(*deploy, "stamp", "r2", env=env)
        assert unconfirmed.returncode == 1 and "nothing was changed" in unconfirmed.stderr
        assert database.revisions() == {"r1"}
        database.query("ALTER TABLE notes ADD COLUMN body VARCHAR(20)")
        stamped = project.run(*deploy, "stamp", "r2", "--yes", env=env)
        assert stamped.returncode == 0, stamped.stderr
        assert "cleared the mark of the run that stopped after revision r1" in stamped.stdout
        assert database.revisions() == {"r2"}
    else:
        database.query("DROP TABLE tags")
        database.query("UPDATE notes SET id = 1 WHERE id = 2")
        cleared = project.run(*deploy, "clear-migration-mark", env=env)
        assert cleared.returncode == 0, cleared.stderr
        assert "`python -m app.migrations upgrade` runs r2 again" in cleared.stdout
        upgraded = project.run(*deploy, "upgrade", env=env)
        assert upgraded.returncode == 0, upgraded.stderr
        assert database.revisions() == {"r2"}
    assert database.query("SELECT id FROM notes") == [(2,)]
