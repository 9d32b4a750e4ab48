"""Rows whose foreign key pointed nowhere before a SQLite upgrade are the data's, not the run's.

SQLite enforces foreign keys only where a connection asks; a row inserted with them off (the
sqlite3 shell) can name a parent that does not exist. Every migration checks its foreign keys
before it commits (runtime/_transactions.py): such a row must not be blamed on an unrelated
migration, and status must name it before the upgrade trips on it.
"""

from __future__ import annotations

import json

from project import Project
from safety_revisions import one_error_line, upgrade
from servers import ServerDatabase
from test_safety_connection import SQLITE_ONLY, write

TABLES, UNRELATED = "eeee00000001", "eeee00000002"

PARENT_AND_CHILD = """\
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
    )"""
DROP_BOTH = """\
    op.drop_table("posts")
    op.drop_table("users")"""
UNRELATED_TABLE = """\
    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))"""
DROP_UNRELATED = """\
    op.drop_table("tags")"""


@SQLITE_ONLY
def test_orphan_rows_from_before_the_run_are_named_not_blamed_on_the_migration(
    project: Project, database: ServerDatabase
) -> None:
    write(project, TABLES, None, PARENT_AND_CHILD, DROP_BOTH)
    assert upgrade(project, database).returncode == 0
    database.query("INSERT INTO posts (id, user_id) VALUES (7, 99)")  # foreign keys off
    write(project, UNRELATED, TABLES, UNRELATED_TABLE, DROP_UNRELATED)
    env = {"DATABASE_URL": database.url}

    before = project.run("inv", "db.status", env=env)
    verdict = before.stdout.splitlines()[-1]
    assert "pending migrations: run" not in verdict, before.stdout
    assert "posts" in verdict and "before" in verdict and "SELECT" in verdict, verdict

    failed = upgrade(project, database)
    assert failed.returncode == 1
    line = one_error_line(failed.stderr)
    assert "data handling" not in line, line
    assert "were there before this run" in line and "posts" in line, line
    assert 'NOT EXISTS (SELECT 1 FROM "users"' in line, line
    assert database.revisions() == {TABLES}

    status = project.run("inv", "db.status", "--json", env=env)
    document = json.loads(status.stdout)
    assert document["last_failed_upgrade"]["revision"] == UNRELATED, status.stdout

    # Once the rows are fixed, the same upgrade passes.
    database.query("DELETE FROM posts WHERE id = 7")
    assert upgrade(project, database).returncode == 0
    assert database.revisions() == {UNRELATED}


@SQLITE_ONLY
def test_a_migration_that_adds_orphan_rows_is_still_blamed_beside_older_ones(
    project: Project, database: ServerDatabase
) -> None:
    write(project, TABLES, None, PARENT_AND_CHILD, DROP_BOTH)
    assert upgrade(project, database).returncode == 0
    database.query("INSERT INTO posts (id, user_id) VALUES (7, 99)")
    orphaning = 'op.execute("INSERT INTO posts (id, user_id) VALUES (8, 98)")'
    write(project, UNRELATED, TABLES, f"    {orphaning}", "    pass")
    failed = upgrade(project, database)
    assert failed.returncode == 1
    line = one_error_line(failed.stderr)
    assert "data handling" in line and "points nowhere" in line, line
