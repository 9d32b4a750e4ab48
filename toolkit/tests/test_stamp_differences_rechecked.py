"""A stamp's differences are read again from the live database before they refuse anything: once
the difference it warned of is undone by hand, as its warning advised, `inv db.current --check`
and the upgrade agree with `inv db.status` (the stamp's record used to refuse with exit 9,
naming a column that no longer existed, until another stamp cleared it).
"""

from __future__ import annotations

import pytest
from project import Project, one_error_line
from servers import ServerDatabase
from stuck_states import write_revision

R1, R2 = "cccc00000001", "cccc00000002"
STAMPS = {"head": ("-r", "head"), "purge": ("--purge", "-r", R1)}


def upgraded_with_a_hand_column(project: Project, database: ServerDatabase) -> dict[str, str]:
    """Upgrade ``database`` to R1 (one table), then add a column to it by hand; the commands'
    environment."""
    write_revision(
        project,
        R1,
        None,
        '    op.create_table("accounts", sa.Column("id", sa.Integer, primary_key=True))',
    )
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    database.query("ALTER TABLE accounts ADD COLUMN hc INT")
    return env


# Each database and each stamp once: `--purge` only changes which rows the stamp clears, in the
# same Python whatever the database; the recheck that follows is the dialect's.
@pytest.mark.parametrize(
    ("database", "stamp"),
    [
        pytest.param(kind, stamp, id=f"{kind}-{stamp}")
        for kind, stamp in (("sqlite", "purge"), ("postgresql", "head"), ("mysql", "head"))
    ],
    indirect=["database"],
)
def test_a_difference_a_stamp_warned_of_and_undone_by_hand_refuses_nothing(
    project: Project, database: ServerDatabase, stamp: str
) -> None:
    env = upgraded_with_a_hand_column(project, database)
    warned = one_error_line(project.inv("db.stamp", *STAMPS[stamp], env=env).stdout, "warning: ")
    assert "unexpected column accounts.hc" in warned, warned

    database.query("ALTER TABLE accounts DROP COLUMN hc")

    # Exit 3: the fixture's models lack the table; the database is what its revision builds.
    status = project.inv("db.status", code=3, env=env).stdout
    assert "against its revision rebuilt: same" in status, status
    project.inv("db.current", "--check", env=env)
    write_revision(project, R2, R1, '    op.add_column("accounts", sa.Column("a", sa.Integer))')
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {R2}
    project.inv("db.current", "--check", env=env)


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_difference_a_stamp_warned_of_that_is_still_there_still_refuses(
    project: Project, database: ServerDatabase
) -> None:
    env = upgraded_with_a_hand_column(project, database)
    project.inv("db.stamp", "-r", "head", env=env)

    checked = one_error_line(project.inv("db.current", "--check", code=9, env=env).stderr)

    assert "unexpected column accounts.hc" in checked, checked
    write_revision(project, R2, R1, '    op.add_column("accounts", sa.Column("a", sa.Integer))')
    refused = one_error_line(project.inv("db.upgrade", code=9, env=env).stderr)
    assert "unexpected column accounts.hc" in refused, refused
    assert database.revisions() == {R1}
