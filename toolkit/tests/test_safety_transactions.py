"""A migration that fails or is killed half-way leaves a consistent database, or is refused.

SQLite and PostgreSQL roll the failed migration back, so the schema is exactly that of the
revision in alembic_version. MySQL/MariaDB cannot roll DDL back: the next run is refused,
naming the revision, until the schema is repaired and `inv db.clear-migration-mark` is run.
"""

from __future__ import annotations

import signal

import pytest
from project import Project
from safety_revisions import (
    APP_STARTUP,
    FAILING_HALF_WAY,
    FIRST_TABLE,
    KILLED_HALF_WAY,
    SECOND_TABLE,
    one_error_line,
    upgrade,
    write_revision,
)
from servers import ServerDatabase, only_on

FIRST, SECOND = "bbbb00000001", "bbbb00000002"
ROLLS_BACK_DDL = {"sqlite": True, "postgresql": True, "mysql": False}


def assert_refused_naming(project: Project, database: ServerDatabase) -> None:
    completed = upgrade(project, database)
    assert completed.returncode == 1
    error = one_error_line(completed.stderr)
    assert f"stopped after revision {FIRST}" in error and f"({SECOND})" in error
    assert "inv db.clear-migration-mark" in error


# Every way in on MySQL/MariaDB, whose DDL commits mid-run so each way must leave the mark; on
# SQLite and PostgreSQL, which roll the DDL back whatever ran them, one way each.
@pytest.mark.parametrize(
    ("database", "command"),
    [
        ("sqlite", APP_STARTUP),
        ("postgresql", ("alembic", "upgrade", "head")),
        ("mysql", ("inv", "db.upgrade")),
        ("mysql", ("alembic", "upgrade", "head")),
        ("mysql", APP_STARTUP),
    ],
    indirect=["database"],
    ids=[
        "sqlite-app-startup",
        "postgresql-alembic",
        "mysql-inv",
        "mysql-alembic",
        "mysql-app-startup",
    ],
)
def test_migration_failing_half_way_leaves_the_previous_revision_or_is_refused(
    project: Project, database: ServerDatabase, command: tuple[str, ...]
) -> None:
    write_revision(project, FIRST, None, FIRST_TABLE)
    write_revision(project, SECOND, FIRST, FAILING_HALF_WAY)
    failed = upgrade(project, database, *command)
    assert failed.returncode != 0 and "fails half-way" in failed.stderr
    assert database.revisions() == {FIRST}

    if ROLLS_BACK_DDL[database.kind]:
        assert database.model_tables() == {"first"}
        assert database.columns("first") == {"id"}
        return
    # MySQL/MariaDB committed the DDL: the next run must refuse, not build on top of it.
    assert "second" in database.tables() and "extra" in database.columns("first")
    assert_refused_naming(project, database)


@only_on("sqlite", "mysql", why="SQLite and PostgreSQL alike leave no mark to clear")
def test_half_applied_mysql_migration_can_be_repaired_and_cleared(
    project: Project, database: ServerDatabase
) -> None:
    if ROLLS_BACK_DDL[database.kind]:
        cleared = project.run("inv", "db.clear-migration-mark", env={"DATABASE_URL": database.url})
        assert cleared.returncode == 0 and "no mark to clear" in cleared.stdout
        return
    write_revision(project, FIRST, None, FIRST_TABLE)
    second = write_revision(project, SECOND, FIRST, FAILING_HALF_WAY)
    upgrade(project, database)
    assert_refused_naming(project, database)

    # The repair a user would make: undo the half-applied DDL and fix the migration.
    database.query("DROP TABLE second")
    database.query("ALTER TABLE first DROP COLUMN extra")
    write_revision(project, SECOND, FIRST, SECOND_TABLE)
    assert second.exists()
    cleared = project.run("inv", "db.clear-migration-mark", env={"DATABASE_URL": database.url})
    assert cleared.returncode == 0 and f"stopped after revision {FIRST}" in cleared.stdout
    assert upgrade(project, database).returncode == 0
    assert database.revisions() == {SECOND}
    assert database.model_tables() == {"first", "second"}


def test_run_killed_half_way_is_rolled_back_or_refused(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, FIRST_TABLE)
    write_revision(project, SECOND, FIRST, KILLED_HALF_WAY)
    run = project.start("inv", "db.upgrade", DATABASE_URL=database.url)
    assert run.stdout is not None and run.stdout.readline().strip() == "half-way"
    run.send_signal(signal.SIGKILL)
    run.wait()

    if not ROLLS_BACK_DDL[database.kind]:
        assert_refused_naming(project, database)
        return
    assert database.revisions() == {FIRST}
    assert database.model_tables() == {"first"}
    write_revision(project, SECOND, FIRST, SECOND_TABLE)
    env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "20"}
    assert project.run("inv", "db.upgrade", env=env).returncode == 0
    assert database.revisions() == {SECOND}


@only_on("mysql", why="only MySQL/MariaDB keep a mark table")
def test_mark_table_is_invisible_to_autogenerate(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, FIRST_TABLE)
    assert upgrade(project, database).returncode == 0
    # The models are empty: autogenerate must see only `first` to drop, never the mark table.
    completed = project.run(
        "inv", "db.revision", "-m", "Drop first", env={"DATABASE_URL": database.url}
    )
    assert completed.returncode == 0, completed.stderr
    (written,) = project.versions.glob("*drop_first.py")
    source = written.read_text()
    assert 'op.drop_table("first")' in source
    assert "alembic_migration_in_progress" not in source


@only_on("mysql", why="SQLite and PostgreSQL roll a failed migration back: no half-applied run")
def test_the_guard_and_wait_name_a_half_applied_run_instead_of_advising_an_upgrade(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, FIRST, None, FIRST_TABLE)
    write_revision(project, SECOND, FIRST, FAILING_HALF_WAY)
    upgrade(project, database)
    env = {"DATABASE_URL": database.url}
    started = project.run("python", "-c", "import app; app.start_service()", env=env)
    assert started.returncode == 1
    assert f"a migration run stopped half-way after revision {FIRST}" in started.stderr
    assert "run `inv db.upgrade`" not in started.stderr
    waited = project.run("python", "-m", "app.migrations", "wait", "--timeout", "60", env=env)
    assert waited.returncode == 1
    assert waited.stderr.startswith("error: waiting cannot help: a migration run stopped half-way")
