"""A `-r` prefix several revision ids start with is said to be ambiguous, with those revisions;
a stamp refuses a prefix shorter than four characters, naming the revision it matches.

Alembic resolves the prefix but reports an ambiguous one as "Can't locate revision identified by
'abc'", as if it named none; and `inv db.stamp -r f` recorded whichever revision starts with f.
"""

from __future__ import annotations

from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on

FIRST, SECOND, THIRD = "abcd00000001", "abce00000002", "f00d00000003"
MESSAGES = {FIRST: "add first", SECOND: "add second", THIRD: "add third"}
TABLES = {FIRST: "first", SECOND: "second", THIRD: "third"}
AMBIGUOUS = (
    "is ambiguous: 2 revision ids start with 'abc': abcd00000001 (add first), abce00000002"
    " (add second); give enough of the id to name one;"
)


def three_revisions(project: Project) -> None:
    down = None
    for revision in (FIRST, SECOND, THIRD):
        table = TABLES[revision]
        create = f'    op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True))'
        source = revision_source(
            revision, down, create, f'    op.drop_table("{table}")', message=MESSAGES[revision]
        )
        project.write_revision(f"{revision}.py", source)
        down = revision


@only_on("sqlite", why="the prefix is read from the history alone, before any database is")
def test_an_ambiguous_prefix_names_the_revisions_it_starts_in_every_task(
    project: Project, database: ServerDatabase
) -> None:
    three_revisions(project)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", "-r", FIRST, env=env)
    for task in (("db.upgrade",), ("db.downgrade", "--yes"), ("db.show",)):
        refused = project.inv(*task, "-r", "abc", code=1, env=env)
        line = one_error_line(refused.stderr)
        assert line == f"error: -r 'abc' {AMBIGUOUS} nothing was run", (task, line)
    assert database.revisions() == {FIRST}
    # A bad revision argument exits 1 the same way.
    project.inv("db.upgrade", "-r", "abc;x", code=1, env=env)
    # The installed service's deploy command says it too.
    deployed = project.run("python", "-m", "app.migrations", "upgrade", "abc", env=env)
    assert deployed.returncode == 1, deployed.stdout + deployed.stderr
    assert f"REV 'abc' {AMBIGUOUS} nothing was run" in deployed.stderr, deployed.stderr


def test_a_stamp_refuses_an_ambiguous_prefix_naming_the_revisions(
    project: Project, database: ServerDatabase
) -> None:
    three_revisions(project)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", "-r", FIRST, env=env)

    ambiguous = one_error_line(project.inv("db.stamp", "-r", "abc", code=1, env=env).stderr)
    assert ambiguous == (
        f"error: -r 'abc' {AMBIGUOUS} nothing was changed: the database is at {FIRST}"
    ), ambiguous
    assert database.revisions() == {FIRST}


def test_a_stamp_refuses_a_prefix_shorter_than_four_characters_naming_its_revision(
    project: Project, database: ServerDatabase
) -> None:
    three_revisions(project)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", "-r", FIRST, env=env)

    short = one_error_line(project.inv("db.stamp", "-r", "f", code=1, env=env).stderr)
    assert short == (
        f"error: -r 'f' is a prefix of {THIRD} (add third): a stamp records a revision without"
        " running anything, so it takes a prefix of at least 4 characters; give the revision id"
        f" (`inv db.stamp -r {THIRD}`); nothing was changed: the database is at {FIRST}"
    ), short
    assert database.revisions() == {FIRST}

    # The command the line names records that revision; four characters are enough.
    project.inv("db.stamp", "-r", THIRD, env=env)
    assert database.revisions() == {THIRD}
    project.inv("db.stamp", "-r", "abce", env=env)
    assert database.revisions() == {SECOND}
