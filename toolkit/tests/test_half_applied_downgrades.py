"""A MySQL/MariaDB downgrade stopped half-way is spoken of as that downgrade by every command that
reads its mark (status, clear-migration-mark), as by the run's own line: the revision it was
reverting, and the stamp of its parent once it is finished by hand (docs/failures.md)."""

from __future__ import annotations

from failures import write_revision
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on

# Its downgrade drops one table, then fails: on MariaDB the drop stays, the revision recorded.
HALF_REVERTIBLE = revision_source(
    "second",
    "first",
    '    op.create_table("two", sa.Column("id", sa.Integer, primary_key=True))\n'
    '    op.create_table("three", sa.Column("id", sa.Integer, primary_key=True))',
    '    op.drop_table("two")\n'
    '    op.execute("SELECT * FROM no_such_table")\n'
    '    op.drop_table("three")',
    message="Safety test revision second.",
)


@only_on("mysql", why="PostgreSQL and SQLite roll a failed downgrade back whole")
def test_a_half_applied_downgrade_of_head_is_named_as_that_downgrade(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "first", None, "    pass")
    project.write_revision("second_safety.py", HALF_REVERTIBLE)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    downgrade = project.inv("db.downgrade", code=1, env=env)
    assert "record that with `inv db.stamp -r first`" in downgrade.stderr, downgrade.stderr
    assert database.revisions() == {"second"}

    status = project.inv("db.status", code=7, env=env)
    said = status.stdout + status.stderr
    # Nothing follows second: no upgrade can have been stopped there.
    assert "none known" not in said and "the next migration" not in said, said
    assert "downgrading second" in said and "second's downgrade()" in said, said
    assert "`inv db.stamp -r first`" in said, said

    clear = project.inv("db.clear-migration-mark", code=1, env=env)
    assert "inv db.upgrade" not in clear.stderr and "next migration" not in clear.stderr, (
        clear.stderr
    )
    assert "second's downgrade()" in clear.stderr, clear.stderr
    assert "`inv db.stamp -r first`" in clear.stderr, clear.stderr
    assert "alembic_migration_in_progress" in database.tables()

    # The plain view exits 0, but names the mark; the stamp that finishes it says "downgrading".
    current = project.inv("db.current", env=env)
    assert current.stdout.startswith("second"), current.stdout
    note = [line for line in current.stderr.splitlines() if line.startswith("note: ")]
    assert len(note) == 1 and "second's downgrade() may be half-applied" in note[0], current.stderr
    database.query("DROP TABLE three")
    stamped = project.inv("db.stamp", "-r", "first", env=env).stdout
    assert "the run that stopped at revision second, downgrading it" in stamped, stamped


# Creates a table, then fails: on MariaDB the table stays, the mark after second.
HALF_UPGRADING = """\
    op.create_table("four", sa.Column("id", sa.Integer, primary_key=True))
    raise RuntimeError("this migration fails half-way")"""


@only_on("mysql", why="PostgreSQL and SQLite roll a failed migration back whole")
def test_a_half_applied_mark_is_said_for_the_direction_its_run_went(
    project: Project, database: ServerDatabase
) -> None:
    # Status said "if you were downgrading, ..." after a stopped upgrade, and took a stopped
    # downgrade of a revision something follows for the next revision's upgrade.
    write_revision(project, "first", None, "    pass")
    project.write_revision("second_safety.py", HALF_REVERTIBLE)
    write_revision(project, "third", "second", HALF_UPGRADING)
    env = {"DATABASE_URL": database.url}

    project.inv("db.upgrade", code=1, env=env)
    said = project.inv("db.status", code=7, env=env).stdout
    assert "the next migration (third) may be half-applied" in said, said
    assert "downgrad" not in said, said
    assert "record that with `inv db.stamp -r third`" in said, said

    database.query("DROP TABLE four")
    project.inv("db.clear-migration-mark", env=env)
    project.inv("db.downgrade", "-r", "first", code=1, env=env)
    said = project.inv("db.status", code=7, env=env).stdout
    assert "stopped at revision second, downgrading second (as its mark records)" in said, said
    assert "second's downgrade() may be half-applied" in said, said
    assert "`inv db.stamp -r first`" in said, said
    assert "third" not in said.split("status:")[-1] and "upgrade()" not in said, said
    # Clearing while table two is still gone names that downgrade too, not third's upgrade.
    cleared = one_error_line(project.inv("db.clear-migration-mark", code=1, env=env).stderr)
    assert "left by second's downgrade()" in cleared and "third" not in cleared, cleared

    # Undone by hand, back to what second builds: cleared, and no upgrade of third "again".
    database.query("CREATE TABLE two (id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY)")
    cleared = project.inv("db.clear-migration-mark", env=env).stdout
    assert "The database is still at second (as second builds it)." in cleared, cleared
    assert "the run that stopped at revision second, downgrading it" in cleared, cleared
    assert "third" not in cleared, cleared

    # An older release's mark says no direction: both ways are named.
    database.query("INSERT INTO alembic_migration_in_progress VALUES ('second')")
    said = project.inv("db.status", code=7, env=env).stdout
    assert "the next migration (third) may be half-applied" in said, said
    assert "if you were downgrading, compare with second's downgrade()" in said, said
