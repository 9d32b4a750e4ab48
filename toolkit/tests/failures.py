"""What the failure tests share: revisions that fail or run until a signal stops them, and the
reading of a failed run's one `error:` line."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from project import Project, revision_source
from servers import ServerDatabase

# Part of every password the failure tests put in a URL: no output may show it.
SECRET = "Sup3r-Secret"
# Creates a table, then fails on a missing one: rolled back, except where DDL cannot be.
FAILING = """\
    op.create_table("made", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT * FROM no_such_table")"""
# Changes the schema, says so on stdout, then sleeps until a signal stops it: for an hour, which
# no test waits for, so a run that ends at all was stopped by the signal. In 0.1 s steps: Python
# runs a signal's handler between steps of Python code, so a signal that comes just before a
# sleep begins (the tests send theirs on reading "started") waits for that sleep to end.
SLEEPING = """\
    import time

    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
    print("started", flush=True)
    for _ in range(36000):
        time.sleep(0.1)"""
# How long a signalled run may take to end before it counts as not stopped: far beyond what a
# busy machine adds, far below the hour SLEEPING would sleep on.
STOP_DEADLINE = 600


def write_revision(
    project: Project, revision: str, down_revision: str | None, upgrade: str
) -> Path:
    """Write a revision file by hand, as a user filling in a blank revision would."""
    message = f"Safety test revision {revision}."
    source = revision_source(revision, down_revision, upgrade, message=message)
    return project.write_revision(f"{revision}_safety.py", source)


def stopped_by(running: subprocess.Popen[str], signal_number: int) -> str:
    """Send ``signal_number`` to a started run and wait for it to end; its stderr.

    It waits for the run's end, not for a time: a busy machine makes the end late, never
    wrong, and only a run the signal did not stop reaches STOP_DEADLINE (and is killed).
    """
    running.send_signal(signal_number)
    try:
        _, stderr = running.communicate(timeout=STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        running.kill()
        running.communicate()
        name = signal.Signals(signal_number).name
        message = f"{name} did not stop the run: still going {STOP_DEADLINE} s on"
        raise AssertionError(message) from None
    return stderr


def stopped_once_started(
    project: Project,
    command: tuple[str, ...],
    signal_number: int = signal.SIGINT,
    *,
    while_running: Callable[[subprocess.Popen[str]], object] = lambda running: None,
    **env: str,
) -> tuple[int, str]:
    """Start ``command`` (whose migration prints "started", as SLEEPING does), call
    ``while_running`` with it, then stop it with ``signal_number``; (exit code, stderr).
    The run is killed if anything fails before it ended."""
    running = project.start(*command, **env)
    try:
        assert running.stdout is not None
        assert running.stdout.readline().strip() == "started"
        while_running(running)
        stderr = stopped_by(running, signal_number)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    return running.returncode, stderr


def stopped_after_its_lines(
    project: Project, command: tuple[str, ...], **env: str
) -> tuple[int, str]:
    """As stopped_once_started with SIGINT, for a task that prints lines of its own before its
    migration says "started" (`inv db.downgrade` says where it goes first)."""
    running = project.start(*command, **env)
    try:
        assert running.stdout is not None
        said = [running.stdout.readline()]
        while said[-1] and said[-1].strip() != "started":
            said.append(running.stdout.readline())
        assert said[-1], said
        stderr = stopped_by(running, signal.SIGINT)
    finally:
        if running.poll() is None:
            running.kill()
            running.communicate()
    return running.returncode, stderr


def error_lines(completed: subprocess.CompletedProcess[str], code: int = 1) -> list[str]:
    """The `error:` lines of a run that must exit with ``code`` and print no traceback."""
    output = completed.stdout + completed.stderr
    assert completed.returncode == code, output
    assert "Traceback" not in output, output
    return [line for line in completed.stderr.splitlines() if line.startswith("error: ")]


def one_error_line(project: Project, *command: str, **env: str) -> str:
    """Run ``command``; return its single `error:` line, checked free of ``SECRET``."""
    completed = project.run(*command, env=env)
    (line,) = error_lines(completed)
    assert SECRET not in completed.stdout + completed.stderr
    return line


def recorded_revisions(project: Project) -> set[str]:
    """The revisions alembic_version records in the fixture service's default SQLite file."""
    database = project.path / "fixture_service.db"
    return ServerDatabase("sqlite", f"sqlite:///{database.as_posix()}").revisions()
