"""Every mistake a user can make ends in one true line and an exit code (docs/failures.md).

Each test drives the fixture service's real `inv` (and raw `alembic` where it applies) into one
kind of failure and checks the line it prints, the exit code and the state left behind. Bad
database URLs: test_failures_urls.py; protected environments: test_failures_protection.py.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
from failures import (
    FAILING,
    SLEEPING,
    STOP_DEADLINE,
    error_lines,
    one_error_line,
    recorded_revisions,
    stopped_by,
    write_revision,
)
from project import Project

# A failed migration reports itself.


def test_failed_migration_names_revision_file_line_and_state(project: Project) -> None:
    write_revision(
        project, "first", None, '    op.create_table("one", sa.Column("id", sa.Integer))'
    )
    path = write_revision(project, "second", "first", FAILING)
    completed = project.run("inv", "db.upgrade")
    what, state = error_lines(completed)
    assert what.startswith("error: migration second (Safety test revision second.) failed")
    assert f"{path.relative_to(project.path)}:" in what and "no such table" in what
    assert state == "error: rolled back; the database is still at first"
    assert recorded_revisions(project) == {"first"}


def test_traceback_variable_shows_the_full_traceback(project: Project) -> None:
    write_revision(project, "first", None, FAILING)
    completed = project.run("inv", "db.upgrade", env={"INV_TRACEBACK": "1"})
    assert completed.returncode == 1 and "Traceback" in completed.stderr


@pytest.mark.parametrize(
    ("broken", "reason"),
    [("def broken(:\n", "SyntaxError"), ("import no_such_module\n", "ModuleNotFoundError")],
)
def test_revision_file_that_cannot_load_is_named_with_its_line(
    project: Project, broken: str, reason: str
) -> None:
    path = write_revision(project, "first", None, "    pass")
    path.write_text(path.read_text() + broken)
    completed = project.run("inv", "db.upgrade")
    what, state = error_lines(completed)
    assert f"revision file {path.relative_to(project.path)}:" in what and reason in what
    assert state == "error: the database was not changed; fix the file"


def test_revision_missing_from_the_middle_of_the_chain_is_explained(project: Project) -> None:
    write_revision(project, "first", None, "    pass")
    middle = write_revision(project, "middle", "first", "    pass")
    last = write_revision(project, "last", "middle", "    pass")
    middle.unlink()
    for task in ("db.upgrade", "db.history"):
        line = one_error_line(project, "inv", task)
        assert "revision middle is missing" in line
        assert str(last.relative_to(project.path)) in line


# Interrupted runs say so (on each database and under raw alembic: test_interrupts.py).


@pytest.mark.parametrize(("signal_number", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_migration_says_it_rolled_back_and_exits_by_signal(
    project: Project, signal_number: int, code: int
) -> None:
    write_revision(project, "first", None, "    pass")
    write_revision(project, "slow", "first", SLEEPING)
    running = project.start("inv", "db.upgrade")
    assert running.stdout is not None
    assert running.stdout.readline().strip() == "started"
    stderr = stopped_by(running, signal_number)
    assert running.returncode == code, stderr
    assert "Traceback" not in stderr
    name = signal.Signals(signal_number).name
    assert f"error: {name} stopped migration slow; rolled back; the database is still at first" in (
        stderr.splitlines()
    )
    assert recorded_revisions(project) == {"first"}


# A thread of the run takes SIGTERM while the migration sleeps: Python notes the signal there and
# runs its handler only once the main thread runs Python code again. The same happens to a
# signal that comes after SLEEPING's print but before its sleep has begun, as a test's signal,
# sent on reading that print, may (a deploy run slept on in CI).
TAKEN_WHILE_ASLEEP = """\
    import signal
    import threading

    def take_sigterm_here():
        time.sleep(0.5)
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)

    threading.Thread(target=take_sigterm_here, daemon=True).start()
"""


def test_sleeping_migration_stops_on_a_signal_python_handles_only_after_its_sleep_began(
    project: Project,
) -> None:
    write_revision(project, "first", None, "    pass")
    write_revision(
        project,
        "slow",
        "first",
        SLEEPING.replace("    print(", TAKEN_WHILE_ASLEEP + "    print(", 1),
    )
    running = project.start("inv", "db.upgrade")
    try:
        _, stderr = running.communicate(timeout=STOP_DEADLINE)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    assert running.returncode == 143, stderr
    assert "error: SIGTERM stopped migration slow; rolled back" in stderr


# Arguments.


@pytest.mark.parametrize("message", [None, "", "  "])
def test_revision_without_a_message_writes_nothing(project: Project, message: str | None) -> None:
    arguments = [] if message is None else ["-m", message]
    line = one_error_line(project, "inv", "db.revision", *arguments)
    assert 'inv db.revision -m "Add users table"' in line
    assert not list(project.versions.glob("*.py"))


def test_revision_without_ruff_is_written_unformatted_with_a_note(project: Project) -> None:
    project.hide_modules("ruff")  # as in a project installed without its dev extra
    completed = project.inv("db.revision", "-m", "Add users table", "--empty")
    assert "note: ruff is not installed" in completed.stdout
    (written,) = project.versions.glob("*.py")
    assert f"Created revision {written.name.split('_')[2]}" in completed.stdout


def test_help_after_any_task_name_shows_its_help_with_text_for_every_flag(
    project: Project,
) -> None:
    # Each task's line starts with its name; its summary may name other tasks (`db.status's`).
    listing = [
        line.split()[0] for line in project.inv("--list").stdout.splitlines() if line[:2] == "  "
    ]
    tasks = [word for word in listing if word.startswith("db.") or word in ("test", "lint")]
    assert "db.stamp" in tasks
    for task in tasks:
        completed = project.inv(task, "--help")
        assert completed.stdout.startswith(f"Usage: inv[oke] [--core-opts] {task}"), task
        # The same help as `inv --help TASK`: one command per task checks both.
        for line in completed.stdout.partition("Options:")[2].splitlines():
            if line.strip().startswith("-"):
                assert re.match(r"\s+-\S.*?\S\s{2,}\S", line), f"{task}: {line}"
    assert not list(project.path.glob("*.db"))


def test_stamp_without_a_revision_says_how_to_name_one(project: Project) -> None:
    line = one_error_line(project, "inv", "db.stamp")
    # Not `-r head`: stamped on an older database, head would record work that never ran.
    assert "inv db.stamp -r REV" in line and "inv db.history" in line and "head" not in line


def test_downgrade_at_base_has_nothing_to_revert(project: Project) -> None:
    assert "Nothing to revert" in project.inv("db.downgrade").stdout


def test_mistyped_revision_suggests_the_history(project: Project) -> None:
    line = one_error_line(project, "inv", "db.upgrade", "-r", "deadbeef")
    assert "inv db.history" in line


def test_arguments_after_a_double_dash_reach_pytest(project: Project) -> None:
    completed = project.inv("test", "--", "--collect-only", "-q", "tests/test_migrations.py")
    # `inv test` passes -q too: pytest lists each collected file with its count.
    collected = [line for line in completed.stdout.splitlines() if ".py" in line]
    assert collected and all(line.startswith("tests/test_migrations.py: ") for line in collected)


def test_environment_variable_invoke_cannot_convert_is_named_in_one_line(
    project: Project,
) -> None:
    (project.path / "invoke.yaml").write_text("db:\n  migration_lock_timeout: 30\n")
    line = one_error_line(project, "inv", "db.current", INVOKE_DB_MIGRATION_LOCK_TIMEOUT="abc")
    assert "environment variable INVOKE_DB_MIGRATION_LOCK_TIMEOUT" in line
    assert "db.migration_lock_timeout" in line


def test_infinite_lock_timeout_is_refused(project: Project) -> None:
    write_revision(project, "first", None, "    pass")
    line = one_error_line(project, "inv", "db.upgrade", MIGRATION_LOCK_TIMEOUT="inf")
    assert "not a finite number of seconds" in line


# Output that is piped or cut short.


def test_sql_output_cut_short_by_its_reader_ends_quietly(project: Project) -> None:
    for number in range(5):
        write_revision(project, f"r{number}", f"r{number - 1}" if number else None, "    pass")
    inv = project.start("inv", "db.upgrade", "--sql")
    assert inv.stdout is not None and inv.stderr is not None
    inv.stdout.readline()
    inv.stdout.close()  # as `| head -1` does
    stderr = inv.stderr.read()
    assert inv.wait(timeout=30) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


@pytest.mark.parametrize("arguments", [("db.upgrade", "--help"), ("--list",)])
def test_help_and_task_list_written_to_a_closed_pipe_end_quietly(
    project: Project, arguments: tuple[str, ...]
) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before inv writes, as `| head -1` can be
    try:
        completed = subprocess.run(
            [project.executable("inv"), *arguments],
            cwd=project.path,
            env=project.environment(),
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(writer)
    assert completed.stderr == "", completed.stderr
    assert completed.returncode == 0


# The policy itself never raises.


def test_an_error_nothing_describes_still_ends_in_one_line(project: Project) -> None:
    models = project.path / "app/models.py"
    models.write_text(models.read_text() + "\nraise RuntimeError('models are broken')\n")
    line = one_error_line(project, "inv", "db.revision", "-m", "Anything")
    assert "RuntimeError: models are broken (at app/models.py:" in line
    assert "INV_TRACEBACK=1" in line


if sys.platform == "win32":  # pragma: no cover - signals are POSIX here
    pytestmark = pytest.mark.skip("POSIX only")
