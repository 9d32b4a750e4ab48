"""A stamp back over revisions in batch mode: SQLite's table copy (`INSERT INTO _alembic_tmp_t
SELECT ... FROM t`) moves the rows a table already holds and changes none, so it is no data
change, and the stamp's note about the checksum rows it kept says what the stamp did, read from
the rows left once it ran.

R0 a table with a row, E an index (by `op.execute`, so its file may run SQL of its own) and a
column added by a batch copy, C a column default changed by a batch copy.
"""

from __future__ import annotations

from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on

R0, E, C = "bbbb00000000", "bbbb0000000e", "bbbb0000000c"
REVISIONS = {
    R0: (
        None,
        '    op.create_table("accounts", sa.Column("id", sa.Integer, primary_key=True),'
        ' sa.Column("x", sa.Integer, server_default="0"))\n'
        '    op.execute("INSERT INTO accounts (id) VALUES (1)")',
        '    op.drop_table("accounts")',
    ),
    E: (
        R0,
        '    op.execute("CREATE INDEX ix_accounts_x ON accounts (x)")\n'
        '    with op.batch_alter_table("accounts", recreate="always") as batch:\n'
        '        batch.add_column(sa.Column("y", sa.Integer))',
        '    with op.batch_alter_table("accounts") as batch:\n'
        '        batch.drop_column("y")\n'
        '    op.execute("DROP INDEX ix_accounts_x")',
    ),
    C: (
        E,
        '    with op.batch_alter_table("accounts") as batch:\n'
        '        batch.alter_column("x", server_default="1")',
        '    with op.batch_alter_table("accounts") as batch:\n'
        '        batch.alter_column("x", server_default="0")',
    ),
}


def written(project: Project, database: ServerDatabase) -> dict[str, str]:
    for revision, (down, upgrade, downgrade) in REVISIONS.items():
        source = revision_source(revision, down, upgrade, downgrade)
        project.write_revision(f"{revision}_batch.py", source)
    return {"DATABASE_URL": database.url}


@only_on("sqlite", why="batch mode copies a table on SQLite alone")
def test_a_stamp_back_over_undone_batch_work_drops_its_rows_and_the_upgrade_runs_it_again(
    project: Project, database: ServerDatabase
) -> None:
    env = written(project, database)
    project.inv("db.upgrade", "-r", E, env=env)
    database.query("DROP INDEX ix_accounts_x")
    database.query("ALTER TABLE accounts DROP COLUMN y")

    stamped = project.inv("db.stamp", "-r", R0, env=env).stdout

    assert "note:" not in stamped, stamped
    assert "_alembic_tmp_" not in stamped, stamped
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {C}
    assert "y" in database.columns("accounts")
    project.inv("db.current", "--check", env=env)
    assert database.query("SELECT count(*) FROM accounts") == [(1,)]


@only_on("sqlite", why="batch mode copies a table on SQLite alone")
def test_a_stamp_back_after_a_raw_stamp_ahead_says_nothing_of_rows_it_did_not_keep(
    project: Project, database: ServerDatabase
) -> None:
    env = written(project, database)
    project.inv("db.upgrade", env=env)
    project.inv("db.downgrade", "-r", R0, env=env)
    raw = project.run("alembic", "stamp", C, env=env)
    assert raw.returncode == 0, raw.stdout + raw.stderr

    stamped = project.inv("db.stamp", "-r", R0, env=env)

    said = stamped.stdout + stamped.stderr
    assert "were kept" not in said and "was kept" not in said, said
    assert "_alembic_tmp_" not in said, said
    upgraded = project.inv("db.upgrade", env=env)
    assert f"Running upgrade {R0} -> {E}" in upgraded.stderr + upgraded.stdout
    project.inv("db.current", "--check", env=env)


@only_on("sqlite", why="the rows and the note are the same on every database")
def test_a_stamp_back_note_about_kept_rows_is_what_the_upgrade_then_does(
    project: Project, database: ServerDatabase
) -> None:
    env = written(project, database)
    project.write_revision(
        f"{E}_batch.py",
        revision_source(
            E,
            R0,
            '    op.create_table("extra", sa.Column("id", sa.Integer, primary_key=True))\n'
            '    op.execute("INSERT INTO accounts (id) VALUES (2)")',
            '    op.drop_table("extra")',
        ),
    )
    project.inv("db.upgrade", "-r", E, env=env)
    database.query("DROP TABLE extra")
    # The same revision again, over the difference: the stamp keeps its warning.
    project.inv("db.stamp", "-r", E, env=env)

    stamped = project.inv("db.stamp", "-r", R0, env=env)

    # E's INSERT ran here: its row stays, as the note says, and the upgrade refuses to run
    # it again (the row went while the note said kept, and the INSERT ran a second time).
    note = one_error_line(stamped.stdout, "note: ")
    assert "row was kept" in note, note
    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)
    assert f"{E} is recorded as applied here" in refused, refused
    assert database.query("SELECT count(*) FROM accounts") == [(2,)]
