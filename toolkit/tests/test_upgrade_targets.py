"""`inv db.upgrade -r` is checked before anything is printed or run: a target below the
database's revision is said in one line, and a range with an unknown revision prints no SQL."""

from __future__ import annotations

from project import Project
from servers import ServerDatabase
from stuck_states import write_revision

TABLE = '    op.create_table("{name}", sa.Column("id", sa.Integer, primary_key=True))'


def two_revisions(project: Project) -> None:
    write_revision(project, "eeee00000001", None, TABLE.format(name="first"))
    write_revision(project, "eeee00000002", "eeee00000001", TABLE.format(name="second"))


def test_an_upgrade_to_a_revision_below_the_database_says_so_and_names_the_downgrade(
    project: Project, database: ServerDatabase
) -> None:
    two_revisions(project)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)

    said = project.inv("db.upgrade", "-r", "eeee00000001", env=env).stdout

    assert said.strip() == (
        "Nothing to apply: the database is at eeee00000002, above eeee00000001; to go down"
        " to it, run `inv db.downgrade -r eeee00000001`"
    )
    assert database.revisions() == {"eeee00000002"}
    # base too: it printed nothing and exited 0, as though base were above the database.
    said = project.inv("db.upgrade", "-r", "base", env=env).stdout
    assert said.strip() == (
        "Nothing to apply: the database is at eeee00000002, above base; to go down"
        " to it, run `inv db.downgrade -r base`"
    )
    assert database.revisions() == {"eeee00000002"}


def test_a_sql_range_from_an_unknown_revision_prints_no_sql_before_its_error(
    project: Project, database: ServerDatabase
) -> None:
    two_revisions(project)
    env = {"DATABASE_URL": database.url}

    refused = project.inv("db.upgrade", "--sql", "-r", "zzz:eeee00000002", code=1, env=env)

    assert refused.stdout == ""
    assert "error: Can't locate revision identified by 'zzz'" in refused.stderr
