"""No data is lost through the connection a migration runs on, nor through tasks that run several.

SQLite rebuilds a table for every ALTER; with the app's `PRAGMA foreign_keys=ON` listener that
rebuild would cascade into child rows. `db.reset` and `db.redo` hold the migration lock from
start to end, so no other run interleaves with them.
"""

from __future__ import annotations

import pytest
from project import Project, revision_source
from safety_revisions import (
    APP_STARTUP,
    LOGGING_FIRST,
    LOGGING_SECOND,
    one_error_line,
    start_lock_holder,
    upgrade,
    write_revision,
)
from servers import ServerDatabase, only_on

PARENT, DROP_EXTRA = "dddd00000001", "dddd00000002"

# SQLAlchemy's documented recipe for enforcing foreign keys on SQLite, as an app would add it.
FOREIGN_KEYS_ON_LISTENER = """

from sqlalchemy import event as _event
from sqlalchemy.engine import Engine as _Engine


@_event.listens_for(_Engine, "connect")
def set_sqlite_pragma(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
"""


PARENT_AND_CHILD = """\
    op.create_table(
        "parent",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("extra", sa.String(20)),
    )
    op.create_table(
        "child",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id", ondelete="CASCADE")),
    )
    op.execute("INSERT INTO parent (id, extra) VALUES (1, 'x')")
    op.execute("INSERT INTO child (id, parent_id) VALUES (1, 1)")"""
DROP_PARENT_TABLES = """\
    op.drop_table("child")
    op.drop_table("parent")"""
DROP_EXTRA_COLUMN = """\
    with op.batch_alter_table("parent") as batch:
        batch.drop_column("extra")"""
ADD_EXTRA_COLUMN = """\
    with op.batch_alter_table("parent") as batch:
        batch.add_column(sa.Column("extra", sa.String(20)))"""
DROP_LOG = """\
    op.drop_table("migration_log")"""
ORPHAN_THE_CHILD = """\
    op.execute("DELETE FROM parent")"""


def write(project: Project, revision: str, down: str | None, up: str, back: str) -> None:
    message = f"Connection test revision {revision}."
    project.write_revision(
        f"{revision}_connection.py", revision_source(revision, down, up, back, message=message)
    )


def enforce_foreign_keys_in_the_app(project: Project) -> None:
    database_module = project.path / "app/database.py"
    database_module.write_text(database_module.read_text() + FOREIGN_KEYS_ON_LISTENER)


SQLITE_ONLY = only_on(
    "sqlite", why="only SQLite rebuilds tables for ALTER and has per-connection foreign keys"
)


@pytest.mark.parametrize(
    "command",
    [
        ("inv", "db.upgrade"),
        ("alembic", "upgrade", "head"),
        APP_STARTUP,
        ("inv", "db.redo"),
    ],
    ids=["inv", "alembic", "app-startup", "inv-redo"],
)
@SQLITE_ONLY
def test_sqlite_table_rebuild_keeps_child_rows_whatever_the_app_listens(
    project: Project, database: ServerDatabase, command: tuple[str, ...]
) -> None:
    enforce_foreign_keys_in_the_app(project)
    write(project, PARENT, None, PARENT_AND_CHILD, DROP_PARENT_TABLES)
    write(project, DROP_EXTRA, PARENT, DROP_EXTRA_COLUMN, ADD_EXTRA_COLUMN)
    # redo reverts and reapplies the last revision; the others apply it.
    setup = (
        ("inv", "db.upgrade")
        if command == ("inv", "db.redo")
        else ("inv", "db.upgrade", "-r", PARENT)
    )
    assert upgrade(project, database, *setup).returncode == 0

    completed = upgrade(project, database, *command)
    assert completed.returncode == 0, completed.stderr
    assert database.revisions() == {DROP_EXTRA}
    assert database.query("SELECT id, parent_id FROM child") == [(1, 1)]
    assert database.columns("parent") == {"id"}


@pytest.mark.parametrize(
    "command",
    [("inv", "db.upgrade"), ("alembic", "upgrade", "head"), APP_STARTUP],
    ids=["inv", "alembic", "app-startup"],
)
@SQLITE_ONLY
def test_sqlite_migration_leaving_a_dangling_foreign_key_is_rolled_back(
    project: Project, database: ServerDatabase, command: tuple[str, ...]
) -> None:
    write(project, PARENT, None, PARENT_AND_CHILD, DROP_PARENT_TABLES)
    write(project, DROP_EXTRA, PARENT, ORPHAN_THE_CHILD, "    pass")
    assert upgrade(project, database, "inv", "db.upgrade", "-r", PARENT).returncode == 0

    failed = upgrade(project, database, *command)
    assert failed.returncode != 0
    assert "foreign key points nowhere" in failed.stderr and "child row 1" in failed.stderr
    assert database.revisions() == {PARENT}
    assert database.query("SELECT id FROM parent") == [(1,)]
    if command[0] == "inv":
        one_error_line(failed.stderr)


def test_reset_and_redo_wait_for_the_migration_lock_and_change_nothing_without_it(
    project: Project, database: ServerDatabase
) -> None:
    # Both tasks under one held lock: each is refused, and each leaves the database as it was.
    write(project, "aaaa00000001", None, LOGGING_FIRST, DROP_LOG)
    assert upgrade(project, database).returncode == 0
    holder = start_lock_holder(project, database.url)
    try:
        env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "0.1"}
        for task in ("db.reset", "db.redo"):
            refused = project.run("inv", task, "--yes", env=env)
            assert refused.returncode == 1, (task, refused.stderr)
            assert "holds the migration lock after 0.1 s" in one_error_line(refused.stderr)
            # Nothing dropped or reverted: the lock is taken before the first change.
            assert "migration_log" in database.tables(), task
            assert database.query("SELECT revision FROM migration_log") == [("first",)], task
            assert database.revisions() == {"aaaa00000001"}, task
    finally:
        holder.kill()
        holder.wait()

    env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "20"}
    for task in ("db.reset", "db.redo"):
        completed = project.run("inv", task, "--yes", env=env)
        assert completed.returncode == 0, (task, completed.stderr)
        assert database.revisions() == {"aaaa00000001"}, task


def test_reset_during_a_concurrent_upgrade_leaves_a_consistent_database(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "aaaa00000001", None, LOGGING_FIRST)
    write_revision(project, "aaaa00000002", "aaaa00000001", LOGGING_SECOND)
    env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "120"}
    upgrading = project.start("inv", "db.upgrade", **env)
    resetting = project.start("inv", "db.reset", "--yes", **env)
    outcomes = [(run.wait(timeout=180), run.stderr.read()) for run in (upgrading, resetting)]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert database.revisions() == {"aaaa00000002"}
    logged = sorted(row[0] for row in database.query("SELECT revision FROM migration_log"))
    assert logged == ["first", "second"]


@SQLITE_ONLY
def test_app_sqlite_engine_waits_for_a_migration_as_long_as_migrations_wait_for_it(
    project: Project, database: ServerDatabase
) -> None:
    probe = (
        "from app.database import get_engine\n"
        "from alembic_steward.runtime._transactions import hand_transactions_to_sqlalchemy\n"
        "import sqlite3\n"
        "with get_engine().connect() as c:\n"
        "    print(c.exec_driver_sql('PRAGMA busy_timeout').scalar())\n"
        "raw = sqlite3.connect(':memory:')\n"
        "hand_transactions_to_sqlalchemy(raw, None)\n"
        "print(raw.execute('PRAGMA busy_timeout').fetchone()[0])\n"
    )
    completed = project.run("python", "-c", probe, env={"DATABASE_URL": database.url})
    assert completed.returncode == 0, completed.stderr
    app_wait, migration_wait = completed.stdout.split()
    assert app_wait == migration_wait and int(app_wait) >= 30000
