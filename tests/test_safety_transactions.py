"""A migration that fails or is killed half-way leaves a consistent database, or is refused.

SQLite and PostgreSQL roll the failed migration back, so the schema is exactly that of the
revision in alembic_version. MySQL/MariaDB cannot roll DDL back: the next run is refused,
naming the revision, until the schema is repaired and `inv db.clear-migration-mark` is run.
"""

from __future__ import annotations

import signal

import pytest
from baked_project import BakedProject
from safety_revisions import (
    FAILING_HALF_WAY,
    FIRST_TABLE,
    KILLED_HALF_WAY,
    SECOND_TABLE,
    start,
    write_revision,
)
from servers import ServerDatabase
from test_safety_lock import one_error_line

FIRST, SECOND = "bbbb00000001", "bbbb00000002"
ROLLS_BACK_DDL = {"sqlite": True, "postgresql": True, "mysql": False}


# The baked README's "Safety" section shows how an app migrates at start-up; run that code.
README_STARTUP_CODE = "the README's start-up code"


def readme_startup_code(project: BakedProject) -> str:
    safety_section = (project.path / "README.md").read_text().partition("## Safety")[2]
    return safety_section.partition("```python\n")[2].partition("```")[0]


def upgrade(project: BakedProject, database: ServerDatabase, *command: str):
    if command == (README_STARTUP_CODE,):
        command = ("python", "-c", readme_startup_code(project))
    return project.run(*(command or ("inv", "db.upgrade")), env={"DATABASE_URL": database.url})


def assert_refused_naming(project: BakedProject, database: ServerDatabase) -> None:
    completed = upgrade(project, database)
    assert completed.returncode == 1
    error = one_error_line(completed.stderr)
    assert f"stopped after revision {FIRST}" in error and f"({SECOND})" in error
    assert "inv db.clear-migration-mark" in error


@pytest.mark.parametrize(
    "command",
    [("inv", "db.upgrade"), ("alembic", "upgrade", "head"), (README_STARTUP_CODE,)],
    ids=["inv", "alembic", "app-startup"],
)
def test_migration_failing_half_way_leaves_the_previous_revision_or_is_refused(
    safety_project: BakedProject, database: ServerDatabase, command: tuple[str, ...]
) -> None:
    write_revision(safety_project, FIRST, None, FIRST_TABLE)
    write_revision(safety_project, SECOND, FIRST, FAILING_HALF_WAY)
    failed = upgrade(safety_project, database, *command)
    assert failed.returncode != 0 and "fails half-way" in failed.stderr
    assert database.revisions() == {FIRST}

    if ROLLS_BACK_DDL[database.kind]:
        assert database.model_tables() == {"first"}
        assert database.columns("first") == {"id"}
        return
    # MySQL/MariaDB committed the DDL: the next run must refuse, not build on top of it.
    assert "second" in database.tables() and "extra" in database.columns("first")
    assert_refused_naming(safety_project, database)


def test_half_applied_mysql_migration_can_be_repaired_and_cleared(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    if ROLLS_BACK_DDL[database.kind]:
        cleared = safety_project.run(
            "inv", "db.clear-migration-mark", env={"DATABASE_URL": database.url}
        )
        assert cleared.returncode == 0 and "no mark to clear" in cleared.stdout
        return
    write_revision(safety_project, FIRST, None, FIRST_TABLE)
    second = write_revision(safety_project, SECOND, FIRST, FAILING_HALF_WAY)
    upgrade(safety_project, database)
    assert_refused_naming(safety_project, database)

    # The repair a user would make: undo the half-applied DDL and fix the migration.
    database.query("DROP TABLE second")
    database.query("ALTER TABLE first DROP COLUMN extra")
    write_revision(safety_project, SECOND, FIRST, SECOND_TABLE)
    assert second.exists()
    cleared = safety_project.run(
        "inv", "db.clear-migration-mark", env={"DATABASE_URL": database.url}
    )
    assert cleared.returncode == 0 and f"stopped after revision {FIRST}" in cleared.stdout
    assert upgrade(safety_project, database).returncode == 0
    assert database.revisions() == {SECOND}
    assert database.model_tables() == {"first", "second"}


def test_run_killed_half_way_is_rolled_back_or_refused(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    write_revision(safety_project, FIRST, None, FIRST_TABLE)
    write_revision(safety_project, SECOND, FIRST, KILLED_HALF_WAY)
    run = start(safety_project, "inv", "db.upgrade", DATABASE_URL=database.url)
    assert run.stdout is not None and run.stdout.readline().strip() == "half-way"
    run.send_signal(signal.SIGKILL)
    run.wait()

    if not ROLLS_BACK_DDL[database.kind]:
        assert_refused_naming(safety_project, database)
        return
    assert database.revisions() == {FIRST}
    assert database.model_tables() == {"first"}
    write_revision(safety_project, SECOND, FIRST, SECOND_TABLE)
    env = {"DATABASE_URL": database.url, "MIGRATION_LOCK_TIMEOUT": "20"}
    assert safety_project.run("inv", "db.upgrade", env=env).returncode == 0
    assert database.revisions() == {SECOND}


def test_mark_table_is_invisible_to_autogenerate(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    write_revision(safety_project, FIRST, None, FIRST_TABLE)
    assert upgrade(safety_project, database).returncode == 0
    # The models are empty: autogenerate must see only `first` to drop, never the mark table.
    completed = safety_project.run(
        "inv", "db.revision", "-m", "Drop first", env={"DATABASE_URL": database.url}
    )
    assert completed.returncode == 0, completed.stderr
    (written,) = [
        p for p in (safety_project.path / "app/migrations/versions").glob("*drop_first.py")
    ]
    source = written.read_text()
    assert 'op.drop_table("first")' in source
    assert "alembic_migration_in_progress" not in source
