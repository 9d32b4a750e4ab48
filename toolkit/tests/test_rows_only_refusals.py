"""A MySQL/MariaDB migration refused after changing rows only (no DDL, which the server would
have committed with them): the rollback undid the rows, the line says so from what was read,
and no half-applied mark is left to block the next run."""

from __future__ import annotations

from project import Project, revision_source
from safety_revisions import upgrade, write_revision
from servers import ServerDatabase, only_on
from test_state_after_failure import ONE_TABLE, state_line

INSERTS_THEN_COMMITS = """\
    op.execute("INSERT INTO one (id) VALUES (5)")
    op.get_bind().connection.commit()"""
STATUS_UP_TO_DATE_BUT_PENDING = 4


@only_on("mysql", why="only MySQL/MariaDB mark a run half-applied")
def test_rows_a_refused_migration_changed_without_ddl_are_said_rolled_back_and_leave_no_mark(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "first", None, ONE_TABLE)
    project.write_revision(
        "second_rows.py", revision_source("second", "first", INSERTS_THEN_COMMITS)
    )
    failed = upgrade(project, database)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    line = state_line(failed.stderr)
    assert "DDL statement" not in line and "half-applied" not in line, line
    assert "rolled back" in line and "the database is still at first" in line, line
    assert database.query("SELECT id FROM one") == []
    assert database.query("SELECT * FROM alembic_migration_in_progress") == []
    status = project.run("inv", "db.status", env={"DATABASE_URL": database.url})
    assert status.returncode != 7, status.stdout + status.stderr
    project.write_revision(
        "second_rows.py", revision_source("second", "first", INSERTS_THEN_COMMITS.splitlines()[0])
    )
    assert upgrade(project, database).returncode == 0
    assert database.query("SELECT id FROM one") == [(5,)]


# A MyISAM table: its engine writes each row change at once, so no rollback undoes it.
MYISAM_TABLE = """\
    op.create_table(
        "counts", sa.Column("id", sa.Integer, primary_key=True), mysql_engine="MyISAM"
    )"""
INSERTS_INTO_MYISAM_THEN_FAILS = """\
    op.execute("INSERT INTO counts (id) VALUES (5)")
    op.execute("SELECT * FROM no_such_table")"""


@only_on("mysql", why="MyISAM is a MySQL/MariaDB engine")
def test_rows_a_failed_migration_changed_in_a_myisam_table_are_not_said_rolled_back(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "first", None, MYISAM_TABLE)
    project.write_revision(
        "second_rows.py", revision_source("second", "first", INSERTS_INTO_MYISAM_THEN_FAILS)
    )
    failed = upgrade(project, database)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    # The row is there: the line must say so, not that the rollback undid it.
    assert database.query("SELECT id FROM counts") == [(5,)]
    line = state_line(failed.stderr)
    assert line.startswith("error: not all rolled back: second had changed rows only"), line
    assert "table(s) counts (MyISAM), whose engine does not roll back" in line, line
    assert "the database is still at first" in line, line
    # The run stays marked unfinished: the next one must not start over rows it left.
    assert database.query("SELECT * FROM alembic_migration_in_progress") != []
