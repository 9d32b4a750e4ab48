"""`wait` lets a replica wait, bounded, until the migration job has brought the database to head."""

from __future__ import annotations

from made_revisions import phased_revisions
from project import Project, one_error_line
from test_phase_guard import release


def wait_command(*arguments: str) -> tuple[str, ...]:
    return ("python", "-m", "app.migrations", "wait", *arguments)


def test_a_replica_waits_until_the_migration_job_has_run(project: Project) -> None:
    release(project, 2)
    waiting = project.start(*wait_command("--timeout", "120"))
    project.inv("db.upgrade")  # the migration job, while the replica waits
    stdout, stderr = waiting.communicate(timeout=150)
    assert waiting.returncode == 0, stderr
    assert f"The database has reached this code's head {phased_revisions()[1].revision}" in stdout


def test_a_database_still_behind_at_the_timeout_ends_in_one_line(project: Project) -> None:
    release(project, 1)
    for argv in (wait_command("--timeout", "0"), ("inv", "db.wait", "--head", "--timeout", "0")):
        completed = project.run(*argv)
        assert completed.returncode == 1
        line = one_error_line(completed.stderr)
        assert "gave up after 0 s waiting for the migrations to reach this code's head" in line
        assert "the database has no migration applied, behind" in line


def test_a_database_ahead_by_expand_revisions_only_is_ready(project: Project) -> None:
    release(project, 2)
    project.inv("db.upgrade")
    release(project, 1)
    completed = project.inv("db.wait", "--head", "--timeout", "0")
    assert "past this code's head" in completed.stdout


def test_a_database_ahead_by_a_contract_revision_ends_the_wait_at_once(project: Project) -> None:
    _, _, contract = release(project, 3)
    project.inv("db.upgrade")
    release(project, 2)
    completed = project.run(*wait_command("--timeout", "600"))
    assert completed.returncode == 1
    line = one_error_line(completed.stderr)
    assert line.startswith("error: waiting cannot help:") and contract in line


def test_a_negative_timeout_is_refused_in_one_line(project: Project) -> None:
    module = project.run("python", "-m", "app.migrations", "wait", "--timeout", "-5")
    assert module.returncode == 2 and "give a number of seconds, 0 or more" in module.stderr
    task = project.inv("db.wait", "--head", "--timeout", "-5", code=1)
    assert "error: --timeout -5: give a number of seconds, 0 or more" in task.stderr
