"""No data is lost through the connection a migration runs on, nor through tasks that run several.

SQLite rebuilds a table for every ALTER; with the app's `PRAGMA foreign_keys=ON` listener that
rebuild would cascade into child rows. `db.reset` and `db.redo` hold the migration lock from
start to end, so no other run interleaves with them.
"""

from __future__ import annotations

import pytest
from baked_project import BakedProject, revision_source
from safety_revisions import LOGGING_FIRST, LOGGING_SECOND, start, start_lock_holder, write_revision
from servers import ServerDatabase
from test_safety_lock import one_error_line
from test_safety_transactions import README_STARTUP_CODE, upgrade

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


def write(project: BakedProject, revision: str, down: str | None, up: str, back: str) -> None:
    path = project.path / "app/migrations/versions" / f"{revision}_connection.py"
    path.write_text(
        revision_source(revision, down, up, back, message=f"Connection test revision {revision}.")
    )


def enforce_foreign_keys_in_the_app(project: BakedProject) -> None:
    database_module = project.path / "app/database.py"
    database_module.write_text(database_module.read_text() + FOREIGN_KEYS_ON_LISTENER)


def sqlite_only(database: ServerDatabase) -> None:
    if database.kind != "sqlite":
        pytest.skip("only SQLite rebuilds tables for ALTER and has per-connection foreign keys")


@pytest.mark.parametrize(
    "command",
    [
        ("inv", "db.upgrade"),
        ("alembic", "upgrade", "head"),
        (README_STARTUP_CODE,),
        ("inv", "db.redo"),
    ],
    ids=["inv", "alembic", "app-startup", "inv-redo"],
)
def test_sqlite_table_rebuild_keeps_child_rows_whatever_the_app_listens(
    safety_project: BakedProject, database: ServerDatabase, command: tuple[str, ...]
) -> None:
    sqlite_only(database)
    enforce_foreign_keys_in_the_app(safety_project)
    write(safety_project, PARENT, None, PARENT_AND_CHILD, DROP_PARENT_TABLES)
    write(safety_project, DROP_EXTRA, PARENT, DROP_EXTRA_COLUMN, ADD_EXTRA_COLUMN)
    # redo reverts and reapplies the last revision; the others apply it.
    setup = (
        ("inv", "db.upgrade")
        if command == ("inv", "db.redo")
        else ("inv", "db.upgrade", "-r", PARENT)
    )
    assert upgrade(safety_project, database, *setup).returncode == 0

    completed = upgrade(safety_project, database, *command)
    assert completed.returncode == 0, completed.stderr
    assert database.revisions() == {DROP_EXTRA}
    assert database.query("SELECT id, parent_id FROM child") == [(1, 1)]
    assert database.columns("parent") == {"id"}


@pytest.mark.parametrize(
    "command",
    [("inv", "db.upgrade"), ("alembic", "upgrade", "head"), (README_STARTUP_CODE,)],
    ids=["inv", "alembic", "app-startup"],
)
def test_sqlite_migration_leaving_a_dangling_foreign_key_is_rolled_back(
    safety_project: BakedProject, database: ServerDatabase, command: tuple[str, ...]
) -> None:
    sqlite_only(database)
    write(safety_project, PARENT, None, PARENT_AND_CHILD, DROP_PARENT_TABLES)
    write(safety_project, DROP_EXTRA, PARENT, ORPHAN_THE_CHILD, "    pass")
    assert upgrade(safety_project, database, "inv", "db.upgrade", "-r", PARENT).returncode == 0

    failed = upgrade(safety_project, database, *command)
    assert failed.returncode != 0
    assert "foreign key points nowhere" in failed.stderr and "child row 1" in failed.stderr
    assert database.revisions() == {PARENT}
    assert database.query("SELECT id FROM parent") == [(1,)]
    if command[0] == "inv":
        one_error_line(failed.stderr)


@pytest.mark.parametrize("task", ["db.reset", "db.redo"])
def test_reset_and_redo_wait_for_the_migration_lock_and_change_nothing_without_it(
    safety_project: BakedProject, database: ServerDatabase, task: str
) -> None:
    write(safety_project, "aaaa00000001", None, LOGGING_FIRST, DROP_LOG)
    assert upgrade(safety_project, database).returncode == 0
    holder = start_lock_holder(safety_project, database.url)
    try:
        env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "1"}
        refused = safety_project.run("inv", task, "--yes", env=env)
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode == 1
    assert "holds the migration lock after 1 s" in one_error_line(refused.stderr)
    # Nothing dropped or reverted: the lock is taken before the first change.
    assert "migration_log" in database.tables()
    assert database.query("SELECT revision FROM migration_log") == [("first",)]
    assert database.revisions() == {"aaaa00000001"}

    env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "20"}
    completed = safety_project.run("inv", task, "--yes", env=env)
    assert completed.returncode == 0, completed.stderr
    assert database.revisions() == {"aaaa00000001"}


def test_reset_during_a_concurrent_upgrade_leaves_a_consistent_database(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    write_revision(safety_project, "aaaa00000001", None, LOGGING_FIRST)
    write_revision(safety_project, "aaaa00000002", "aaaa00000001", LOGGING_SECOND)
    env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "120"}
    upgrading = start(safety_project, "inv", "db.upgrade", **env)
    resetting = start(safety_project, "inv", "db.reset", "--yes", **env)
    outcomes = [(run.wait(timeout=180), run.stderr.read()) for run in (upgrading, resetting)]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert database.revisions() == {"aaaa00000002"}
    logged = sorted(row[0] for row in database.query("SELECT revision FROM migration_log"))
    assert logged == ["first", "second"]


def test_app_sqlite_engine_waits_for_a_migration_as_long_as_migrations_wait_for_it(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    sqlite_only(database)
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
    completed = safety_project.run("python", "-c", probe, env={"DATABASE_URL": database.url})
    assert completed.returncode == 0, completed.stderr
    app_wait, migration_wait = completed.stdout.split()
    assert app_wait == migration_wait and int(app_wait) >= 30000
