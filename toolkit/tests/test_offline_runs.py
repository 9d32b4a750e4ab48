"""Offline runs (`db.plan`, `db.upgrade --sql`, `db.downgrade --sql`) change nothing and say so,
and on SQLite they print the SQL a real run executes, batch table rebuilds included."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from failures import SLEEPING, error_lines, write_revision
from project import Project, revision_source
from servers import ServerDatabase, only_on

ITEMS = """\
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20)),
        sa.Column("note", sa.String(10)),
    )
    op.create_table("owners", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO items (id, name, note) VALUES (1, 'it''s one', 'x')")"""
# Each change here needs SQLite's table copy: a type, a NOT NULL, a dropped column, a new FK.
REBUILD_ITEMS = """\
    with op.batch_alter_table("items") as batch:
        batch.alter_column("name", type_=sa.String(50), nullable=False)
        batch.drop_column("note")
        batch.add_column(sa.Column("owner_id", sa.Integer))
        batch.create_foreign_key("fk_items_owner_id_owners", "owners", ["owner_id"], ["id"])
    op.execute("UPDATE items SET name = name || ' (renamed)'")"""
UNDO_REBUILD = """\
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint("fk_items_owner_id_owners", type_="foreignkey")
        batch.drop_column("owner_id")
        batch.add_column(sa.Column("note", sa.String(10)))
        batch.alter_column("name", type_=sa.String(20), nullable=True)"""
FAILING_IN_PYTHON = """\
    op.create_table("made", sa.Column("id", sa.Integer, primary_key=True))
    raise RuntimeError("stopped on purpose")"""
HALF_WAY_WORDS = ("half-applied", "rolled back", "still at")


def write_history(project: Project, *, downgrade_of_second: str = "    pass") -> None:
    """`first` makes the items; `second` rebuilds them (SQLite: a table copy)."""
    drop = '    op.drop_table("items")\n    op.drop_table("owners")'
    project.write_revision("first_offline.py", revision_source("first", None, ITEMS, drop))
    second = revision_source("second", "first", REBUILD_ITEMS, downgrade_of_second)
    project.write_revision("second_offline.py", second)


def database_file(project: Project) -> Path:
    return project.path / "fixture_service.db"


def schema_and_bookkeeping(path: Path) -> dict[str, list[tuple]]:
    """Everything a run leaves in a SQLite file: its schema, the version, checksums, rows."""
    with sqlite3.connect(path) as connection:
        read = connection.execute
        tables = [row[0] for row in read("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {"schema": sorted(read("SELECT type, name, sql FROM sqlite_master").fetchall())}
        for table in tables:
            found[table] = sorted(read(f'SELECT * FROM "{table}"').fetchall())
    return found


def run_script(database: Path, script: str) -> None:
    """Apply a printed script by hand, with the sqlite3 shell, stopping on the first error."""
    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 shell is not installed")
    applied = subprocess.run(
        ["sqlite3", "-bail", str(database)], input=script, capture_output=True, text=True
    )
    assert applied.returncode == 0 and not applied.stderr, applied.stderr + script


def test_plan_of_a_sqlite_table_rebuild_is_what_the_upgrade_then_runs(project: Project) -> None:
    write_history(project)
    project.inv("db.upgrade", "-r", "first")
    live = database_file(project)
    before = {path: path.read_bytes() for path in live.parent.glob("fixture_service.db*")}

    plan = project.inv("db.plan").stdout
    assert "-- Plan: upgrade first:second" in plan
    assert "-- Running upgrade first -> second" in plan
    assert "CREATE TABLE _alembic_tmp_items" in plan and "copy_from" not in plan
    assert "UPDATE items SET name = name || ' (renamed)'" in plan
    assert "UPDATE alembic_version SET version_num='second'" in plan
    # Only read: the file and its lock file are as they were, and no journal was left.
    assert {path: path.read_bytes() for path in live.parent.glob("fixture_service.db*")} == before

    copy = project.path / "by_hand.db"
    shutil.copy(live, copy)
    run_script(copy, plan)
    project.inv("db.upgrade")
    assert schema_and_bookkeeping(copy) == schema_and_bookkeeping(live)


def test_sql_scripts_of_sqlite_rebuilds_apply_by_hand_as_the_real_runs_do(
    project: Project,
) -> None:
    write_history(project, downgrade_of_second=UNDO_REBUILD)
    by_hand = project.path / "by_hand.db"
    run_script(by_hand, project.inv("db.upgrade", "--sql", "-r", "first").stdout)
    project.inv("db.upgrade", "-r", "first")
    live = database_file(project)
    assert schema_and_bookkeeping(by_hand) == schema_and_bookkeeping(live)

    run_script(by_hand, project.inv("db.upgrade", "--sql", "-r", "first:second").stdout)
    project.inv("db.upgrade")
    assert schema_and_bookkeeping(by_hand) == schema_and_bookkeeping(live)

    down = project.inv("db.downgrade", "--sql", "-r", "second:first").stdout
    assert "-- Running downgrade second -> first" in down
    run_script(by_hand, down)
    project.inv("db.downgrade")
    assert schema_and_bookkeeping(by_hand) == schema_and_bookkeeping(live)


def test_sql_from_base_is_one_script_that_builds_the_whole_database_and_says_so(
    project: Project,
) -> None:
    write_history(project)
    by_hand = project.path / "by_hand.db"
    printed = project.inv("db.upgrade", "--sql")
    run_script(by_hand, printed.stdout)
    project.inv("db.upgrade")
    assert schema_and_bookkeeping(by_hand) == schema_and_bookkeeping(database_file(project))
    # Said, on stderr, with the commands that print only what a database lacks (both work:
    # test_plan_of_a_sqlite_table_rebuild..., test_sql_scripts_of_sqlite_rebuilds...).
    assert printed.stderr.splitlines()[-1] == (
        "note: that SQL runs every revision from base up to head, as an empty database needs;"
        " for only what a database lacks, run `inv db.plan` against it, or give the range from"
        " its revision (`inv db.current`): `inv db.upgrade --sql -r FROM:head`"
    ), printed.stderr


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_server_script_applied_by_hand_writes_the_bookkeeping_rows_an_online_run_writes(
    project: Project, database: ServerDatabase
) -> None:
    # Alembic renders a server's script; a SQLite one is a real run's, rows included (above).
    write_history(project, downgrade_of_second=UNDO_REBUILD)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", "-r", "first", env=env)
    rows = "SELECT * FROM alembic_revision_checksums NATURAL JOIN alembic_revision_phases"

    database.query(project.inv("db.upgrade", "--sql", "-r", "first:second", env=env).stdout)
    project.inv("db.current", "--check", env=env)  # not a version table moved ahead by hand
    by_hand = sorted(database.query(rows))
    database.query(project.inv("db.downgrade", "--sql", "-r", "second:first", env=env).stdout)
    project.inv("db.upgrade", env=env)  # second's rows went with its downgrade: not refused

    assert [row[0] for row in by_hand] == ["first", "second"]
    assert sorted(database.query(rows)) == by_hand


GENERATED_COLUMNS = """\
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20)),
        sa.Column("shout", sa.String(20), sa.Computed("upper(name)")),
    )
    op.add_column("items", sa.Column("whisper", sa.String(20), sa.Computed("lower(name)")))"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_offline_sql_of_a_generated_column_applies_on_the_postgresql_server(
    project: Project, database: ServerDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without `persisted`, SQLAlchemy writes a virtual column when it knows no server (offline):
    # PostgreSQL before 18 refuses it; the online run writes STORED. No online run here yet.
    from sqlalchemy.engine import make_url

    from alembic_steward.runtime._offline_server import version_path

    project.write_revision("first_offline.py", revision_source("first", None, GENERATED_COLUMNS))
    env = {"DATABASE_URL": database.url}
    printed = project.inv("db.upgrade", "--sql", env=env)
    assert "Computed column" not in printed.stderr  # SQLAlchemy's warning: the choice is ours
    database.query(printed.stdout)  # the server refuses what it cannot run
    assert database.revisions() == {"first"}
    generated = "SELECT column_name FROM information_schema.columns WHERE is_generated = 'ALWAYS'"
    assert sorted(database.query(generated)) == [("shout",), ("whisper",)]
    # An online run keeps the server's version for the offline runs after it.
    monkeypatch.setenv("ALEMBIC_STEWARD_CACHE", str(project.path.parent / "steward-cache"))
    kept = version_path(make_url(database.url))
    project.inv("db.upgrade", env=env)
    major = int(database.query("SHOW server_version_num")[0][0]) // 10000
    assert json.loads(kept.read_text())[0] == major
    # A server that the last online run found to be 18 or later gets virtual columns, as online.
    kept.write_text("[18, 0]")
    assert "STORED" not in project.inv("db.upgrade", "--sql", env=env).stdout


# Failures: each must say that nothing was changed and where the database is, read from it.

OFFLINE_FAILURES = {
    "db.plan": (("db.plan",), "db.plan"),
    "db.upgrade --sql": (("db.upgrade", "--sql", "-r", "first:second"), "db.upgrade --sql"),
    "db.downgrade --sql": (("db.downgrade", "--sql", "-r", "second:first"), "db.downgrade --sql"),
}


@only_on(
    "sqlite",
    "postgresql",
    why="nothing runs on the database; only PostgreSQL's offline dialect has a branch of its own",
)
@pytest.mark.parametrize("task", list(OFFLINE_FAILURES))
def test_failed_offline_run_says_nothing_changed_and_where_the_database_is(
    project: Project, database: ServerDatabase, task: str
) -> None:
    # On a protected environment too: an offline run needs no --yes, and says the same.
    write_revision(project, "first", None, "    pass")
    if task == "db.downgrade --sql":
        source = revision_source("second", "first", "    pass", FAILING_IN_PYTHON)
        project.write_revision("second_safety.py", source)
    else:
        write_revision(project, "second", "first", FAILING_IN_PYTHON)
    env = {"DATABASE_URL": database.url, "APP_ENV": "production"}
    project.inv("db.upgrade", "-r", "first", env=env)
    tables = database.tables()

    arguments, label = OFFLINE_FAILURES[task]
    lines = error_lines(project.run("inv", *arguments, env=env))
    assert len(lines) == 2, lines
    assert "failed in" in lines[0] and "RuntimeError: stopped on purpose" in lines[0]
    assert lines[1] == (
        f"error: nothing was changed ({label} only prints SQL); the database is at first"
    )
    assert not any(words in lines[1] for words in HALF_WAY_WORDS)
    assert database.revisions() == {"first"} and database.tables() == tables


def test_failed_sql_run_says_when_the_database_cannot_be_read(project: Project) -> None:
    write_revision(project, "first", None, "    pass")
    write_revision(project, "second", "first", FAILING_IN_PYTHON)
    completed = project.run("inv", "db.upgrade", "--sql", "-r", "first:second")
    state = error_lines(completed)[-1]
    assert state.startswith(
        "error: nothing was changed (db.upgrade --sql only prints SQL);"
        " the database's revision could not be read ("
    )
    assert "does not exist" in state
    assert not database_file(project).exists()


def test_offline_sqlite_run_leaving_broken_foreign_keys_claims_no_rollback(
    project: Project,
) -> None:
    write_history(project)
    orphan = "    op.execute(\"INSERT INTO items (id, name, owner_id) VALUES (2, 'b', 99)\")"
    write_revision(project, "third", "second", orphan)
    project.inv("db.upgrade", "-r", "second")
    lines = error_lines(project.run("inv", "db.plan"))
    assert "leaves 1 row(s) whose foreign key points nowhere" in lines[0]
    assert "rolled back" not in "".join(lines)
    assert lines[-1] == (
        "error: nothing was changed (db.plan only prints SQL); the database is at second"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="signals are POSIX here")
# Each database and each task once: both print SQL and stop in the same Python; what is read
# afterwards is the database's.
@pytest.mark.parametrize(
    ("database", "task"),
    [("sqlite", "db.upgrade --sql"), ("postgresql", "db.plan"), ("mysql", "db.upgrade --sql")],
    indirect=["database"],
    ids=["sqlite-db.upgrade --sql", "postgresql-db.plan", "mysql-db.upgrade --sql"],
)
def test_ctrl_c_during_an_offline_run_says_nothing_changed(
    project: Project, database: ServerDatabase, task: str
) -> None:
    write_revision(project, "first", None, "    pass")
    write_revision(project, "slow", "first", SLEEPING)
    project.inv("db.upgrade", "-r", "first", env={"DATABASE_URL": database.url})
    arguments = ("db.plan",) if task == "db.plan" else ("db.upgrade", "--sql", "-r", "first:slow")
    running = project.start("inv", *arguments, DATABASE_URL=database.url)
    assert running.stdout is not None
    # Alembic renders the SQL before the revision says it started; a copy's run prints it after.
    while running.stdout.readline().strip() not in ("started", ""):
        pass
    running.send_signal(signal.SIGINT)
    _, stderr = running.communicate(timeout=60)
    assert running.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert (
        f"error: SIGINT stopped {task}; nothing was changed ({task} only prints SQL);"
        " the database is at first"
    ) in stderr.splitlines(), stderr
    assert database.revisions() == {"first"}
