"""A failed migration whose autocommit_block() committed an enum value (ALTER TYPE ... ADD
VALUE) on PostgreSQL, which has no DROP VALUE: its line says what works, as `db.status`
does, never "undo those by hand" (issue 19); followed, the fixed revision runs through it."""

from __future__ import annotations

import re

from project import Project, revision_source
from safety_revisions import upgrade, write_revision
from servers import ServerDatabase, only_on

# PostgreSQL's own ENUM: SQLAlchemy 2.0's generic Enum has no create_type (2.1's has).
MOOD = (
    "    from sqlalchemy.dialects import postgresql\n\n"
    "    op.execute(\"CREATE TYPE mood AS ENUM ('happy')\")\n"
    '    mood = postgresql.ENUM(name="mood", create_type=False)\n'
    '    op.create_table("people", sa.Column("mood", mood))'
)
ADDS_MEH_THEN_FAILS = """\
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE mood ADD VALUE 'meh'")
    op.execute("SELECT * FROM no_such_table")"""


@only_on("postgresql", why="only PostgreSQL keeps enum types of its own, without DROP VALUE")
def test_an_enum_value_a_failed_run_committed_gets_the_advice_that_works(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "first", None, MOOD)
    second = project.write_revision(
        "second_meh.py", revision_source("second", "first", ADDS_MEH_THEN_FAILS)
    )
    failed = upgrade(project, database)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    line = [line for line in failed.stderr.splitlines() if line.startswith("error: ")][-1]
    assert "second had committed part of its work" in line, line
    assert "undo those by hand" not in line and "PostgreSQL cannot drop an enum value" in line
    assert "mood 'meh'" in line, line

    # Followed: the pending revision adds it with IF NOT EXISTS (the line's code), and runs.
    code = re.findall(r"`([^`]+)`", line)
    advised = [part for part in code if "ADD VALUE IF NOT EXISTS" in part]
    assert len(advised) == 1, line
    second.write_text(revision_source("second", "first", f"    {advised[0]}"))
    upgraded = upgrade(project, database)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert database.revisions() == {"second"}
