"""Time a baked project's commands: alternating runs (A, B, A, B, ...), medians, no averages.

Alternating spreads a shared machine's slow moments over every command being compared
instead of letting them land on one; the median ignores the odd run a neighbour slowed down.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from baked_project import LEAKY_VARIABLES, BakedProject


@dataclass
class Command:
    """One command to time: an executable of the project's venv and its arguments."""

    argv: tuple[str, ...]
    # Variables the command sees on top of the project's clean environment.
    env: dict[str, str] = field(default_factory=dict)
    # Untimed: runs before each timed run (e.g. delete the database for a fresh upgrade).
    before: Callable[[], None] | None = None
    # Untimed: runs after each timed run (e.g. delete the revision file it wrote).
    after: Callable[[], None] | None = None

    @property
    def label(self) -> str:
        return " ".join(self.argv)


@dataclass
class Timing:
    """The runs of one command: seconds per run, or why it could not run."""

    seconds: list[float] = field(default_factory=list)
    # CPU seconds (user + system) of the command and the programs it waited for.
    cpu_seconds: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds and not self.error else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu_seconds) if self.cpu_seconds and not self.error else None


class CommandFailed(Exception):
    """A timed command exited non-zero; its timing would measure a failure, not the work."""


def environment(project: BakedProject, overrides: dict[str, str]) -> dict[str, str]:
    """The project's clean environment: nothing from the caller's database setup leaks in."""
    env = project.environment()
    for name in (*LEAKY_VARIABLES, "TEST_DATABASE_URL"):
        env.pop(name, None)
    # What the toolkit keeps between runs stays in the work folder, never the user's cache.
    env["ALEMBIC_STEWARD_CACHE"] = str(project.path.parent / "steward-caches" / "default")
    env.update(overrides)
    return env


def children_cpu_seconds() -> float:
    """CPU seconds used so far by finished child processes (0 where Unix's rusage is missing)."""
    if sys.platform == "win32":
        return 0.0
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(project: BakedProject, command: Command) -> tuple[float, float]:
    """Run ``command`` once in the project root; return its wall-clock and CPU seconds."""
    if command.before:
        command.before()
    argv = [str(project.executable(command.argv[0])), *command.argv[1:]]
    env = environment(project, command.env)
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    completed = subprocess.run(argv, cwd=project.path, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    cpu_seconds = children_cpu_seconds() - cpu_before
    if command.after:
        command.after()
    if completed.returncode != 0:
        output = (completed.stderr.strip() or completed.stdout.strip()).splitlines()
        # SQLAlchemy ends an error with "[SQL: ...]" and "(Background on this error at: URL)"
        # lines, which say nothing of why; the line before them names the error.
        trailers = ("(Background on this error", "[SQL: ", "[parameters: ")
        said = [line for line in output if not line.startswith(trailers)]
        last_line = said[-1] if said else "(no output)"
        raise CommandFailed(f"exit {completed.returncode}: {last_line}")
    return seconds, cpu_seconds


def measure_alternating(
    project: BakedProject, commands: list[Command], repetitions: int, *, warm_up: bool = True
) -> list[Timing]:
    """Run each command once untimed (unless not ``warm_up``), then ``repetitions`` rounds of
    A, B, ...; keep times."""
    timings = [Timing() for _ in commands]
    for round_number in range(0 if warm_up else 1, repetitions + 1):
        for command, timing in zip(commands, timings, strict=True):
            if timing.error:
                continue
            try:
                seconds, cpu_seconds = run(project, command)
            except CommandFailed as failure:
                timing.error = str(failure)
                continue
            # Round 0 warms caches (bytecode of 300 revision files, the OS page cache).
            if round_number > 0:
                timing.seconds.append(seconds)
                timing.cpu_seconds.append(cpu_seconds)
    return timings


def task_names(project: BakedProject) -> set[str]:
    """The dotted names of every task `inv --list` shows in the baked project."""
    completed = subprocess.run(
        [str(project.executable("inv")), "--list", "--list-format=json"],
        cwd=project.path,
        env=environment(project, {}),
        capture_output=True,
        text=True,
        check=True,
    )
    names: set[str] = set()

    def collect(collection: dict, prefix: str) -> None:
        for task in collection["tasks"]:
            names.add(prefix + task["name"])
        for child in collection["collections"]:
            collect(child, f"{prefix}{child['name']}.")

    collect(json.loads(completed.stdout), "")
    return names


def package_versions(project: BakedProject, packages: tuple[str, ...]) -> dict[str, str]:
    """The versions installed in the project's venv, plus its Python's."""
    script = (
        "import importlib.metadata as m, json, platform\n"
        f"names = {list(packages)!r}\n"
        "found = {'python': platform.python_version()}\n"
        "for n in names:\n"
        "    try:\n"
        "        found[n] = m.version(n)\n"
        "    except m.PackageNotFoundError:\n"
        "        found[n] = 'not installed'\n"
        "print(json.dumps(found))\n"
    )
    completed = subprocess.run(
        [str(project.executable("python")), "-c", script],
        env=environment(project, {}),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def remove_new_files(folder: Path, before: set[str]) -> None:
    """Delete the files that appeared in ``folder`` since ``before`` was listed."""
    for name in set(os.listdir(folder)) - before:
        path = folder / name
        if path.is_file():
            path.unlink()
