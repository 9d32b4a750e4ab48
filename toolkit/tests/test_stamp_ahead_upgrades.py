"""A stamp that records a revision the database is not (stamp head over a revision that never
ran) makes the upgrade that then finds nothing to run say so and exit 9, not pass in silence,
until a stamp the schema agrees with, or one that accepts the differences."""

from __future__ import annotations

import re

import pytest
from project import Project, one_error_line
from servers import ServerDatabase
from stuck_states import write_revision

CREATE = (
    '    op.create_table("posts", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("title", sa.String(50)))'
)
BODY = '    op.add_column("posts", sa.Column("body", sa.Text))'
CODE = re.compile(r"`([^`]+)`")
STAMPS = {
    "alembic": ("alembic", "stamp", "head"),
    "inv": ("inv", "db.stamp", "-r", "head"),
}


def stamped_over_a_missing_column(
    project: Project, database: ServerDatabase, way: str
) -> dict[str, str]:
    write_revision(project, "eeee00000001", None, CREATE)
    write_revision(project, "eeee00000002", "eeee00000001", BODY)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", "-r", "eeee00000001", env=env)
    stamped = project.run(*STAMPS[way], env=env)
    assert stamped.returncode == 0, stamped.stdout + stamped.stderr
    assert "warning: the database differs from what eeee00000002 builds" in stamped.stdout
    return env


# Both ways record the stamp's finding through the same check, so each database and each way
# once: raw `alembic` (the env.py hook's way in) on SQLite and MariaDB, whose state read differs.
WAY_RUNS = [
    pytest.param(kind, way, id=f"{kind}-{way}")
    for kind, way in (("sqlite", "alembic"), ("postgresql", "inv"), ("mysql", "alembic"))
]


@pytest.mark.parametrize(("database", "way"), WAY_RUNS, indirect=["database"])
def test_an_upgrade_with_nothing_to_run_after_a_stamp_ahead_exits_9_until_the_right_stamp(
    project: Project, database: ServerDatabase, way: str
) -> None:
    env = stamped_over_a_missing_column(project, database, way)

    refused = project.run("inv", "db.upgrade", env=env)

    assert refused.returncode == 9, refused.stdout + refused.stderr
    line = one_error_line(refused.stderr)
    assert "the stamp that recorded eeee00000002 found that" in line, line
    # Only advice that makes every command agree: accepting the differences made none.
    assert "--accept-differences" not in line, line
    assert "record that with `inv db.stamp -r eeee00000001`, then run `inv db.upgrade`" in line
    deployed = project.run("python", "-m", "app.migrations", "upgrade", env=env)
    assert deployed.returncode == 9, deployed.stdout + deployed.stderr
    checked = project.run("inv", "db.current", "--check", env=env)
    assert checked.returncode == 9, checked.stdout + checked.stderr
    assert "recorded at head, but the stamp" in one_error_line(checked.stderr)
    # The plan says what the upgrade says (it said "Nothing to run" and exited 0).
    planned = project.run("inv", "db.plan", env=env)
    assert planned.returncode == 9, planned.stdout + planned.stderr
    assert one_error_line(planned.stderr) == line
    assert "Nothing to run" not in planned.stdout

    # The refusals ran nothing: the stamp of the revision the database is clears it, and the
    # upgrade runs.
    assert "warning" not in project.inv("db.stamp", "-r", "eeee00000001", env=env).stdout
    project.inv("db.upgrade", env=env)

    assert database.revisions() == {"eeee00000002"}
    assert database.query("SELECT body FROM posts") == []


CHECKS = (
    ("db.status",),
    ("db.check",),
    ("db.current", "--check"),
    ("db.plan",),
    ("db.upgrade",),
)


def test_a_stamp_that_accepts_the_differences_leaves_every_command_saying_what_status_says(
    project: Project, database: ServerDatabase
) -> None:
    # Accepted, the column is still missing: the upgrade and `db.current --check` exited 0
    # while status and check exited 9. Accepting records the revision, not a database right.
    env = stamped_over_a_missing_column(project, database, "inv")

    accepted = project.inv("db.stamp", "-r", "head", "--accept-differences", env=env).stdout
    assert "missing column posts.body" in accepted, accepted
    assert "recorded as asked, and still counted:" in accepted, accepted
    codes = {task: project.run("inv", *task, env=env).returncode for task in CHECKS}
    assert set(codes.values()) == {9}, codes
    refused = one_error_line(project.run("inv", "db.upgrade", env=env).stderr)
    assert "--accept-differences" not in refused, refused

    # The advice, followed as written, leaves a database every command calls fine.
    advised = CODE.findall(refused.partition("; the database holds exactly")[2])
    assert advised == ["inv db.stamp -r eeee00000001", "inv db.upgrade"], refused
    for command in advised:
        project.inv(*command.split()[1:], env=env)
    assert database.revisions() == {"eeee00000002"}
    # Exit 3: the fixture's models lack the table; the database is what its revision builds.
    status = project.inv("db.status", code=3, env=env).stdout
    assert "against its revision rebuilt: same" in status, status
    for task in CHECKS[2:]:
        project.inv(*task, env=env)


@pytest.mark.parametrize("database", ["sqlite", "mysql"], indirect=True)
def test_raw_stamp_ahead_over_several_revisions_after_a_raw_upgrade_says_what_differs(
    project: Project, database: ServerDatabase
) -> None:
    """Raw `alembic upgrade` then raw `alembic stamp head` over revisions that never ran, one of
    them data only: the stamp's comparison ends in its warning, never a traceback."""
    write_revision(project, "eeee00000001", None, CREATE)
    write_revision(
        project,
        "eeee00000002",
        "eeee00000001",
        '    op.execute("INSERT INTO posts (id) VALUES (1)")',
    )
    write_revision(project, "eeee00000003", "eeee00000002", BODY)
    env = {"DATABASE_URL": database.url}
    assert project.run("alembic", "upgrade", "eeee00000001", env=env).returncode == 0
    stamped = project.run("alembic", "stamp", "head", env=env)
    assert "Traceback" not in stamped.stderr, stamped.stderr
    assert stamped.returncode == 0, stamped.stdout + stamped.stderr
    assert "warning: the database differs from what eeee00000003 builds" in stamped.stdout
