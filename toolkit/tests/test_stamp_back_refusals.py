"""`inv db.stamp` back over revisions that ran keeps what the bookkeeping says ran, so the next
upgrade refuses before running anything (exit 9), naming the stamp and the way out that works;
`db.current --check` and `db.status` read the same and say the same, exit 9.

One history for every case (the suite's budget): a table, a revision dropping one of its
columns, and a data-only head, whose second run would double its row.
"""

from __future__ import annotations

import pytest
from project import Project, one_error_line
from servers import ServerDatabase, only_on
from stuck_states import write_revision

TABLES = "ffff0000000a"
DROP = "ffff0000000b"
DATA = "ffff0000000c"
UPGRADES = {
    TABLES: (
        None,
        '    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True),'
        ' sa.Column("label", sa.String(30)))\n'
        '    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True),'
        ' sa.Column("body", sa.String(30)))',
    ),
    DROP: (TABLES, '    op.drop_column("notes", "body")'),
    DATA: (DROP, "    op.execute(\"INSERT INTO tags (label) VALUES ('x')\")"),
}
DIFFERS = 9


@pytest.fixture
def upgraded(project: Project, database: ServerDatabase) -> dict[str, str]:
    for revision, (parent, upgrade) in UPGRADES.items():
        write_revision(project, revision, parent, upgrade)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    return env


def refusals(project: Project, env: dict[str, str]) -> tuple[str, str, str]:
    """The upgrade's, `db.current --check`'s and `db.status`'s lines, each exiting 9."""
    upgrade = one_error_line(project.inv("db.upgrade", code=DIFFERS, env=env).stderr)
    current = one_error_line(project.inv("db.current", "--check", code=DIFFERS, env=env).stderr)
    status = project.inv("db.status", code=DIFFERS, env=env).stdout.splitlines()[-1]
    return upgrade, current, status


@only_on("sqlite", "postgresql", why="the rows and the marks are read by the same queries")
def test_every_stamp_back_over_revisions_that_ran_refuses_the_upgrade_naming_the_stamp(
    project: Project, database: ServerDatabase, upgraded: dict[str, str]
) -> None:
    # One revision back over a data-only head: no schema tells, the rows do; the stamp says so
    # at once (it said nothing: test_stamp_back_over_data_only.py).
    stamped = project.inv("db.stamp", "-r", DROP, env=upgraded).stdout
    assert "warning: the stamp moved the version table back" in stamped, stamped

    upgrade, current, status = refusals(project, upgraded)

    assert database.query("SELECT count(*) FROM tags") == [(1,)]
    for line in (upgrade, current, status):
        assert f"{DATA} is recorded as applied here" in line, line
        assert f"the stamp that recorded {DROP} left the version table behind it" in line, line
        assert f"`inv db.stamp -r {DATA}`" in line and "inv db.upgrade`" not in line, line
        assert "raw `alembic stamp`" not in line, line
    assert "nothing was run" in upgrade and "nothing was run" not in status + current
    # The way out it names when that work was undone by hand: the same stamp again.
    database.query("DELETE FROM tags")
    assert "warning" not in project.inv("db.stamp", "-r", DROP, env=upgraded).stdout
    project.inv("db.upgrade", env=upgraded)
    assert database.query("SELECT count(*) FROM tags") == [(1,)]

    # Back over a drop: the stamp warns, and the upgrade refuses instead of running the drop.
    stamped = project.inv("db.stamp", "-r", TABLES, env=upgraded).stdout
    # DROP and DATA build alike; DATA is the last of them the rows record as run.
    assert f"holds exactly what revision {DATA} builds" in stamped, stamped

    upgrade, current, status = refusals(project, upgraded)

    assert upgrade.startswith(f"error: the version table says the database is at {TABLES}")
    assert current.startswith("error: the database is not at head, and the version table says")
    for line in (upgrade, current):
        assert f"{DROP}, {DATA} are recorded as applied here" in line, line
        assert f"the stamp that recorded {TABLES} found the database differing" in line, line
        assert f"`inv db.stamp -r {DATA}`" in line and "inv db.upgrade`" not in line, line
    assert f"`inv db.stamp -r {DATA}`" in status, status
    assert database.revisions() == {TABLES}
    assert database.query("SELECT count(*) FROM tags") == [(1,)]
    project.inv("db.stamp", "-r", DATA, env=upgraded)
    project.inv("db.current", "--check", env=upgraded)
