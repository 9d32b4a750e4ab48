"""The baked project's own migration tests fail on each fault of issue 10 (a-i), on each
database where it is a fault, and pass on a clean history: run through its real pytest."""

from __future__ import annotations

import pytest
from baked_project import BakedProject
from migration_faults import ADD_NOTE, CLEAN, FAULTS, FIRST, NOTE, History, Revision, items_with
from safety_revisions import one_error_line
from servers import ServerDatabase


def run_baked_tests(project: BakedProject, database: ServerDatabase):
    env = {} if database.kind == "sqlite" else {"TEST_DATABASE_URL": database.url}
    return project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py", env=env
    )


def test_baked_migration_tests_pass_on_a_clean_history(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    CLEAN.write_into(safety_project)
    completed = run_baked_tests(safety_project, database)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_baked_migration_tests_fail_on_each_fault_where_it_is_one(
    safety_project: BakedProject, database: ServerDatabase, fault: str
) -> None:
    history, failing_tests, databases = FAULTS[fault]
    history.write_into(safety_project)
    completed = run_baked_tests(safety_project, database)
    output = completed.stdout + completed.stderr
    if database.kind not in databases:
        assert completed.returncode == 0, output
        return
    assert completed.returncode == 1, output
    names = (failing_tests,) if isinstance(failing_tests, str) else failing_tests
    assert any(f"FAILED tests/test_migrations.py::{name}" in output for name in names), output


def test_downgrading_an_irreversible_revision_stops_in_one_line_and_changes_nothing(
    safety_project: BakedProject, database: ServerDatabase
) -> None:
    irreversible = Revision("r2", "r1", ADD_NOTE, '    raise IrreversibleMigration("gone")')
    History(items_with(NOTE), (FIRST, irreversible)).write_into(safety_project)
    env = {"DATABASE_URL": database.url}
    safety_project.inv("db.upgrade", env=env)
    completed = safety_project.inv("db.downgrade", "--yes", code=1, env=env)
    assert one_error_line(completed.stderr) == (
        "error: revision r2 (r2) cannot be downgraded: gone;"
        " nothing was changed, the database is still at r2"
    )
    assert database.revisions() == {"r2"}
    assert "note" in database.columns("items")


def test_a_copied_revision_file_fails_the_baked_tests_by_its_name_not_as_two_heads(
    safety_project: BakedProject,
) -> None:
    # Alembic warns and sees two heads; `inv db.merge` would then fail on the duplicate id.
    history = History(items_with(NOTE), (FIRST, Revision("r2", "r1", ADD_NOTE, "    pass")))
    history.write_into(safety_project)
    versions = safety_project.path / "app" / "migrations" / "versions"
    (versions / "r2_copy.py").write_text((versions / "r2.py").read_text())
    # The history is read the same way on every database: SQLite (the bake's own) stands for all.
    completed = safety_project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py"
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "revision id r2 is declared by 2 files" in output and "r2_copy.py" in output
    assert "db.merge" not in output
