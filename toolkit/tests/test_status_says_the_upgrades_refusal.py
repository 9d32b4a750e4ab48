"""Status never advises a command the upgrade then refuses: where the upgrade would refuse (a
stamp back over revisions whose checksum rows it kept), status's verdict is that refusal."""

from __future__ import annotations

import re

from project import Project, one_error_line
from servers import ServerDatabase, only_on
from stuck_states import write_revision

DIFFERS = 9
BACKQUOTED = re.compile(r"`([^`]+)`")
MOOD = (
    "    op.execute(\"CREATE TYPE mood AS ENUM ('happy')\")\n"
    '    op.create_table("people", sa.Column("id", sa.Integer, primary_key=True))'
)
ADD_MEH = """\
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'")"""


@only_on("postgresql", why="only PostgreSQL keeps enum types of its own, without DROP VALUE")
def test_status_after_a_stamp_back_below_an_enum_value_says_what_the_upgrade_refuses_with(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "ffff00000001", None, MOOD)
    write_revision(project, "ffff00000002", "ffff00000001", ADD_MEH)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    project.inv("db.stamp", "-r", "ffff00000001", env=env)

    upgraded = project.run("inv", "db.upgrade", env=env)
    status = project.run("inv", "db.status", env=env)

    assert upgraded.returncode == DIFFERS, upgraded.stdout + upgraded.stderr
    refusal = one_error_line(upgraded.stderr)
    assert status.returncode == DIFFERS, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "run `inv db.upgrade`, which keeps them" not in verdict, verdict
    # Only the commands the refusal names (the stamp that records what ran), which it lets run.
    commands = set(BACKQUOTED.findall(verdict))
    assert commands and commands <= set(BACKQUOTED.findall(refusal)), (refusal, verdict)
    assert "`inv db.stamp -r ffff00000002`" in verdict, verdict
    project.inv("db.stamp", "-r", "ffff00000002", env=env)
    project.inv("db.upgrade", env=env)
