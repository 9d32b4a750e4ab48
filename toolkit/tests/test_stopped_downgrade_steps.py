"""A downgrade stopped by Ctrl-C says how to go on to the target the user gave (`-r first`), not
one step below the revision it stopped in, and the command it advises runs there: the line gave
no next step on PostgreSQL ("read after the failure"), and one step only on MariaDB."""

from __future__ import annotations

from failures import stopped_after_its_lines, write_revision
from project import Project, revision_source
from servers import ServerDatabase, only_on

# Drops the column (MariaDB commits that at once), then sleeps when asked to, until stopped.
SLEEPS_IN_ITS_DOWNGRADE = """\
    import os
    import time

    op.drop_column("one", "extra")
    if os.environ.get("SLEEP_IN_DOWNGRADE"):
        print("started", flush=True)
        for _ in range(36000):
            time.sleep(0.1)"""


@only_on("postgresql", "mysql", why="SQLite's stopped downgrade is rolled back as PostgreSQL's")
def test_a_stopped_downgrade_advises_going_on_to_the_target_given(
    project: Project, database: ServerDatabase
) -> None:
    url = {"DATABASE_URL": database.url}
    write_revision(
        project, "first", None, '    op.create_table("one", sa.Column("id", sa.Integer))'
    )
    write_revision(project, "second", "first", "    pass")
    third = revision_source(
        "third",
        "second",
        '    op.add_column("one", sa.Column("extra", sa.Integer))',
        SLEEPS_IN_ITS_DOWNGRADE,
    )
    project.write_revision("third.py", third)
    write_revision(project, "fourth", "third", "    pass")  # reverted before the stop
    project.inv("db.upgrade", env=url)
    code, stderr = stopped_after_its_lines(
        project, ("inv", "db.downgrade", "-r", "first"), SLEEP_IN_DOWNGRADE="1", **url
    )
    assert code == 130 and "Traceback" not in stderr, stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert "read after the failure" not in line, line
    assert "`inv db.downgrade -r second`" not in line, line
    if database.kind == "postgresql":
        assert line.endswith(
            "third's downgrade(): rolled back; the database is at third (its version table, read"
            " after the stop); to go on, downgrade again: `inv db.downgrade -r first`"
        ), line
    else:
        assert line.endswith("then downgrade again: `inv db.downgrade -r first`"), line
        # Undone by hand, as the line says, then its mark cleared.
        database.query("ALTER TABLE one ADD COLUMN extra INTEGER")
        project.inv("db.clear-migration-mark", env=url)
    project.inv("db.downgrade", "-r", "first", env=url)
    assert database.revisions() == {"first"}
