"""`create_index_online` builds an index without blocking writes, and survives a failed build.

PostgreSQL builds it CONCURRENTLY in an autocommit block; a build that fails leaves an INVALID
index, which the revision's next run drops before building again. MariaDB builds it with
ALGORITHM=INPLACE LOCK=NONE, SQLite with a plain CREATE INDEX.
"""

from __future__ import annotations

import subprocess

import pytest
from lint_cases import OFFLINE_URLS
from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on

CREATE_ITEMS = """\
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=False),
    )
    op.execute("INSERT INTO items (id, code) VALUES (1, 'a'), (2, 'b'), (3, 'b')")"""
INDEX_CODE = '    create_index_online("ix_items_code", "items", ["code"], unique=True)'
DROP_INDEX = '    drop_index_online("ix_items_code", "items")'
HELPERS = "from alembic_steward.migration import create_index_online, drop_index_online"


def write_history(project: Project) -> None:
    project.write_revision(
        "i1_items.py", revision_source("i1", None, CREATE_ITEMS, '    op.drop_table("items")')
    )
    project.write_revision(
        "i2_index.py",
        revision_source("i2", "i1", INDEX_CODE, DROP_INDEX, message="Index codes", imports=HELPERS),
    )


def upgrade(project: Project, database: ServerDatabase, *arguments: str):
    return project.run("inv", "db.upgrade", *arguments, env={"DATABASE_URL": database.url})


def index_validity(database: ServerDatabase) -> list[tuple]:
    return database.query(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('ix_items_code')"
    )


def indexes(database: ServerDatabase) -> set[str]:
    if database.kind == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items'"
    elif database.kind == "postgresql":
        sql = "SELECT indexname FROM pg_indexes WHERE tablename = 'items'"
    else:
        sql = "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS" + (
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items'"
        )
    return {row[0] for row in database.query(sql)}


@only_on("postgresql", why="only PostgreSQL builds indexes concurrently, leaving INVALID ones")
def test_a_failed_concurrent_build_leaves_an_invalid_index_and_running_again_finishes_it(
    project: Project, database: ServerDatabase
) -> None:
    write_history(project)
    failed = upgrade(project, database)
    assert failed.returncode == 1
    assert "INVALID index ix_items_code" in failed.stderr
    assert index_validity(database) == [(False,)]
    assert database.revisions() == {"i1"}
    database.query("DELETE FROM items WHERE id = 3")
    again = upgrade(project, database)
    assert again.returncode == 0, again.stderr
    assert index_validity(database) == [(True,)]
    assert database.revisions() == {"i2"}


def test_the_online_index_is_built_and_dropped_on_every_database(
    project: Project, database: ServerDatabase
) -> None:
    write_history(project)
    project.write_revision(
        "i1_items.py",
        revision_source(
            "i1", None, CREATE_ITEMS.replace("(3, 'b')", "(3, 'c')"), '    op.drop_table("items")'
        ),
    )
    built = upgrade(project, database)
    assert built.returncode == 0, built.stderr
    assert "ix_items_code" in indexes(database)
    dropped = project.run(
        "inv", "db.downgrade", "-r", "i1", "--yes", env={"DATABASE_URL": database.url}
    )
    assert dropped.returncode == 0, dropped.stderr
    assert "ix_items_code" not in indexes(database)


@pytest.mark.parametrize(
    ("kind", "create", "drop"),
    [
        (
            "postgresql",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_items_code ON items (code);",
            "DROP INDEX CONCURRENTLY IF EXISTS ix_items_code;",
        ),
        (
            "mysql",
            "CREATE UNIQUE INDEX ix_items_code ON items (code) ALGORITHM=INPLACE LOCK=NONE;",
            "ALTER TABLE items DROP INDEX ix_items_code, ALGORITHM=INPLACE, LOCK=NONE;",
        ),
    ],
)
def test_the_online_index_sql_does_not_block_writes(
    project: Project, kind: str, create: str, drop: str
) -> None:
    write_history(project)
    env = {"DATABASE_URL": OFFLINE_URLS[kind]}
    up = project.run("inv", "db.upgrade", "--sql", "-r", "i1:i2", env=env)
    assert up.returncode == 0, up.stderr
    assert create in up.stdout
    if kind == "postgresql":
        # Outside the migration's transaction: CONCURRENTLY cannot run inside one.
        assert up.stdout.index("COMMIT;") < up.stdout.index(create) < up.stdout.rindex("BEGIN;")
        # What follows the build in the revision runs under the lock timeout again.
        after_build = up.stdout.split(create)[1]
        assert after_build.index("BEGIN;") < after_build.index("SET LOCAL lock_timeout")
    down = project.run("inv", "db.downgrade", "--sql", "-r", "i2:i1", env=env)
    assert down.returncode == 0, down.stderr
    assert drop in down.stdout


def lint(project: Project) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": OFFLINE_URLS["postgresql"]}
    return project.run("inv", "db.lint", "--all", env=env)


def test_the_lint_points_a_blocking_index_build_to_the_helper_and_passes_the_helper(
    project: Project,
) -> None:
    write_history(project)
    helper = lint(project)
    assert helper.returncode == 0, helper.stdout + helper.stderr
    blocking = INDEX_CODE.replace("create_index_online(", "op.create_index(")
    project.write_revision(
        "i2_index.py",
        revision_source("i2", "i1", blocking, DROP_INDEX, message="Index codes", imports=HELPERS),
    )
    flagged = lint(project)
    assert flagged.returncode == 1
    assert ": require-concurrent-index-creation" in flagged.stdout
    assert "create_index_online(name, table, columns)` from `alembic_steward.migration`" in (
        flagged.stdout
    )
    assert "error: 1 finding(s)" in one_error_line(flagged.stderr)


@only_on("postgresql", why="only PostgreSQL builds indexes concurrently, leaving INVALID ones")
def test_an_asyncio_service_names_the_invalid_index_a_failed_build_left(
    async_project: Project, database: ServerDatabase
) -> None:
    write_history(async_project)
    failed = upgrade(async_project, database)
    assert failed.returncode == 1
    assert "INVALID index ix_items_code" in failed.stderr, failed.stderr
