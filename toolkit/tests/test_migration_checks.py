"""The fixture service's own migration tests (the plugin's checks) fail on each fault of issue 10
(a-i), on each database where it is a fault, and pass on a clean history: run through its pytest."""

from __future__ import annotations

import re

import pytest
from migration_faults import (
    ADD_NOTE,
    CLEAN,
    FAULTS,
    FAULTS_OF_ONE_HISTORY,
    FIRST,
    IRREVERSIBLE_IMPORT,
    NOTE,
    History,
    Revision,
    items_with,
    one_history_of,
)
from project import Project, one_error_line
from servers import DATABASE_KINDS, ServerDatabase

LEGACY_IMPORT = "from app.migrations.irreversible import IrreversibleMigration"


def run_service_tests(
    project: Project, database: ServerDatabase | None = None, tests: tuple[str, ...] = ()
):
    """Run the service's tests/test_migrations.py (only ``tests``, when named), on
    ``database``'s server unless SQLite."""
    on_server = database is not None and database.kind != "sqlite"
    env = {"TEST_DATABASE_URL": database.url} if on_server else {}
    selection = ("-k", " or ".join(tests)) if tests else ()
    return project.run(
        "pytest", "-q", "-p", "no:cacheprovider", *selection, "tests/test_migrations.py", env=env
    )


# Faults in the history's shape or the models' imports: read the same way on every database,
# so SQLite (the service's own) stands for all.
DIALECT_INDEPENDENT_FAULTS = frozenset(
    {"f-two-heads", "g-down-revision-missing", "h-model-in-a-module-models-does-not-import"}
)
# Faults whose revisions act on PostgreSQL only (a no-op elsewhere): MariaDB walks the same
# no-op step as SQLite, which stands for both as the database where it is no fault.
POSTGRESQL_ONLY_FAULTS = frozenset({"c-change-hidden-in-a-do-block", "d-enum-value-left-behind"})


def fault_kinds(fault: str) -> tuple[str, ...]:
    if fault in DIALECT_INDEPENDENT_FAULTS:
        return ("sqlite",)
    if fault in POSTGRESQL_ONLY_FAULTS:
        return ("sqlite", "postgresql")
    return DATABASE_KINDS


DOWNGRADE_CHECK = "test_each_downgrade_restores_the_schema_its_upgrade_started_from"
# A fault whose next upgrade collides with what its downgrade left, on every database: it ends
# the stairway, so it can only be the last of a shared history.
LAST_OF_ONE_HISTORY = "b-downgrade-forgets-a-column"


def faults_of_one_history(kind: str) -> tuple[str, ...]:
    """The faults walked in one history on ``kind``: those a step's next upgrade applies over,
    the downgrade check's faults that are none on ``kind`` (their steps walk clean there), and
    last one that stops the walk."""
    no_fault_here = sorted(
        fault
        for fault, (_, failing_tests, databases) in FAULTS.items()
        if failing_tests == DOWNGRADE_CHECK
        and kind in fault_kinds(fault)
        and kind not in databases
        and fault not in FAULTS_OF_ONE_HISTORY
    )
    return (*FAULTS_OF_ONE_HISTORY, *no_fault_here, LAST_OF_ONE_HISTORY)


FAULT_RUNS = [
    pytest.param(kind, fault, id=f"{kind}-{fault}")
    for fault in sorted(FAULTS)
    for kind in fault_kinds(fault)
    if fault not in faults_of_one_history(kind)
]


def test_migration_tests_pass_on_a_clean_history(
    project: Project, database: ServerDatabase
) -> None:
    CLEAN.write_into(project)
    completed = run_service_tests(project, database)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize(("database", "fault"), FAULT_RUNS, indirect=["database"])
def test_migration_tests_fail_on_each_fault_where_it_is_one(
    project: Project, database: ServerDatabase, fault: str
) -> None:
    # Only the checks that must catch the fault run: where it is no fault, those same checks
    # must pass (the whole suite's pass on a clean history is the test above).
    history, failing_tests, databases = FAULTS[fault]
    history.write_into(project)
    names = (failing_tests,) if isinstance(failing_tests, str) else failing_tests
    completed = run_service_tests(project, database, names)
    output = completed.stdout + completed.stderr
    if database.kind not in databases:
        assert completed.returncode == 0, output
        assert " passed" in output, output
        return
    assert completed.returncode == 1, output
    assert any(f"FAILED tests/test_migrations.py::{name}" in output for name in names), output


def test_migration_tests_name_each_fault_of_one_history_where_it_is_one(
    project: Project, database: ServerDatabase
) -> None:
    # The faults a step's next upgrade applies over share one history and one run of the
    # service's tests, with one fault that stops the walk last; each is named by its revision,
    # whose message is the fault's name, on exactly the databases where it is a fault (a
    # separate history each would pay a project, a database and a pytest start each, for the
    # same walk).
    faults = faults_of_one_history(database.kind)
    history, at_fault = one_history_of({f: FAULTS[f][0] for f in faults})
    history.write_into(project)
    completed = run_service_tests(project, database, (DOWNGRADE_CHECK,))
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert f"FAILED tests/test_migrations.py::{DOWNGRADE_CHECK}" in output, output
    named = {
        fault
        for fault, revision in at_fault.items()
        if f"revision {revision} ({fault})'s downgrade:" in output
    }
    faults_here = {fault for fault in at_fault if database.kind in FAULTS[fault][2]}
    assert named == faults_here, output
    # Nothing but the faults' own steps is named: each leaves only its own table changed.
    named_steps = re.findall(r"revision (\w+) \([^)]*\)'s downgrade:", output)
    assert set(named_steps) == {at_fault[fault] for fault in faults_here}, output


def test_downgrading_an_irreversible_revision_stops_in_one_line_and_changes_nothing(
    project: Project, database: ServerDatabase
) -> None:
    irreversible = Revision("r2", "r1", ADD_NOTE, '    raise IrreversibleMigration("gone")')
    History(items_with(NOTE), (FIRST, irreversible)).write_into(project)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    completed = project.inv("db.downgrade", "--yes", code=1, env=env)
    assert one_error_line(completed.stderr) == (
        "error: revision r2 (r2) cannot be downgraded: gone;"
        " nothing was changed, the database is still at r2; r2 stays applied: to undo r2's"
        " work all the same: write a new revision whose upgrade() undoes it; or restore a"
        " backup taken before r2 ran; or undo it by hand and record that with"
        " `inv db.stamp -r r1`"
    )
    assert database.revisions() == {"r2"}
    assert "note" in database.columns("items")


def test_a_revision_importing_irreversible_migration_from_app_migrations_still_works(
    project: Project,
) -> None:
    # Revisions written before the toolkit import it from the service's own package; the
    # wiring keeps that path alive, for the downgrade and for the stairway alike.
    irreversible = Revision("r2", "r1", ADD_NOTE, '    raise IrreversibleMigration("gone")')
    History(items_with(NOTE), (FIRST, irreversible)).write_into(project)
    path = project.versions / "r2.py"
    path.write_text(path.read_text().replace(IRREVERSIBLE_IMPORT, LEGACY_IMPORT))
    assert LEGACY_IMPORT in path.read_text()
    project.inv("db.upgrade")
    error = one_error_line(project.inv("db.downgrade", "--yes", code=1).stderr)
    assert error.startswith("error: revision r2 (r2) cannot be downgraded: gone;")
    completed = run_service_tests(project)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_copied_revision_file_fails_the_migration_tests_by_its_name_not_as_two_heads(
    project: Project,
) -> None:
    # Alembic warns and sees two heads; `inv db.merge` would then fail on the duplicate id.
    history = History(items_with(NOTE), (FIRST, Revision("r2", "r1", ADD_NOTE, "    pass")))
    history.write_into(project)
    (project.versions / "r2_copy.py").write_text((project.versions / "r2.py").read_text())
    # The history is read the same way on every database: SQLite (the service's own) stands
    # for all.
    completed = run_service_tests(project)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "revision id r2 is declared by 2 files" in output and "r2_copy.py" in output
    assert "db.merge" not in output
