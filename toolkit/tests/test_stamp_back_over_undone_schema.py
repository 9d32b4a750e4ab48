"""A revision that changes only schema, whose work was undone by hand after it ran: `inv
db.status` says the database holds exactly what its parent builds and advises that stamp, then
the upgrade; followed, the advice works (the stamp kept the revision's checksum row, and the
upgrade refused to run it again until the same stamp was run a second time).

The work is PostgreSQL's `CREATE EXTENSION` (dropped by hand), and on SQLite a table (dropped
by hand), the other revision's only step.
"""

from __future__ import annotations

from project import Project, one_error_line
from servers import ServerDatabase, only_on
from stuck_states import write_revision

R10, R11 = "eeee0000000a", "eeee0000000b"
BASE = (
    '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))\n'
    '    op.execute("INSERT INTO t (id) VALUES (1)")'
)
# The revision's work, the statement that undoes it by hand, the query counting it, by database.
WORK = {
    "postgresql": (
        '    op.execute("CREATE EXTENSION pg_trgm")',
        "DROP EXTENSION pg_trgm",
        "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'",
    ),
    "sqlite": (
        '    op.create_table("extra", sa.Column("id", sa.Integer, primary_key=True))',
        "DROP TABLE extra",
        "SELECT count(*) FROM sqlite_master WHERE name = 'extra'",
    ),
}


@only_on("sqlite", "postgresql", why="an extension is PostgreSQL's; SQLite drops a table")
def test_the_stamp_status_advises_after_schema_work_undone_by_hand_lets_the_upgrade_run(
    project: Project, database: ServerDatabase
) -> None:
    work, undo, made = WORK[database.kind]
    write_revision(project, R10, None, BASE)
    write_revision(project, R11, R10, work)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    database.query(undo)

    status = project.inv("db.status", code=9, env=env).stdout.splitlines()[-1]
    assert f"holds exactly what revision {R10} builds" in status, status
    assert f"`inv db.stamp -r {R10}`, then run `inv db.upgrade`" in status, status

    stamped = project.inv("db.stamp", "-r", R10, env=env).stdout
    assert "warning" not in stamped, stamped
    project.inv("db.upgrade", env=env)

    assert database.revisions() == {R11}
    assert database.query(made) == [(1,)]
    project.inv("db.current", "--check", env=env)
    assert database.query("SELECT count(*) FROM t") == [(1,)]


@only_on("sqlite", why="the rows and the note are the same on every database")
def test_a_stamp_back_over_undone_schema_work_with_a_data_step_says_why_the_row_stays(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, R10, None, BASE)
    write_revision(
        project,
        R11,
        R10,
        '    op.create_table("extra", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.execute("INSERT INTO t (id) VALUES (2)")',
    )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    database.query("DROP TABLE extra")

    stamped = project.inv("db.stamp", "-r", R10, env=env).stdout

    note = one_error_line(stamped, "note: ")
    assert f"{R11} runs INSERT on t" in note, note
    assert f"run `inv db.stamp -r {R10}` again" in note, note
    # Those rows are the toolkit's bookkeeping: dropping them loses no data of the user's.
    assert "which drops those checksum rows (bookkeeping, none of your data)" in note, note
    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)
    assert f"{R11} is recorded as applied here" in refused, refused
    assert database.query("SELECT count(*) FROM t") == [(2,)]
    # Its data change undone too: the same stamp again, and the upgrade runs it.
    database.query("DELETE FROM t WHERE id = 2")
    project.inv("db.stamp", "-r", R10, env=env)
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT count(*) FROM t") == [(2,)]
