"""The template as a git repository, baked from with the cookiecutter command: checkouts of this
working tree, served on 127.0.0.1 when a test needs a URL (cruft, where a bake's toolkit comes
from)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from dev_env import DEV_VENV, TEMPLATE_ROOT, venv_executable

IDENTITY = ["-c", "user.name=template tests", "-c", "user.email=tests@example.invalid"]
SERVER_START_SECONDS = 10
# Both spellings of the toolkit's name a pyproject.toml dependency may use.
TOOLKIT_DEPENDENCY_PREFIXES = ('    "alembic-steward', '    "alembic_steward')


def git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return completed.stdout


def head(repository: Path) -> str:
    return git(repository, "rev-parse", "HEAD").strip()


def template_repository(destination: Path) -> Path:
    """A git repository holding the template as it is in this working tree, edits included."""
    listed = git(TEMPLATE_ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        if (TEMPLATE_ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE_ROOT / name, destination / name)
    git(destination, "init", "--quiet")
    git(destination, "add", "--all")
    git(destination, "commit", "--quiet", "--message", "template")
    return destination


# Bakes as a user makes them, without the test run's default answers.


def without_default_answers(folder: Path) -> dict[str, str]:
    """An environment whose cookiecutter config lacks the run's default toolkit_requirement
    (tests/conftest.py), with clone and replay folders in ``folder``."""
    config = folder / "cookiecutter.yaml"
    settings = {"cookiecutters_dir": str(folder / "clones"), "replay_dir": str(folder / "replay")}
    config.write_text(yaml.safe_dump(settings))
    return {**os.environ, "COOKIECUTTER_CONFIG": str(config)}


def bake(template: str | Path, output_dir: Path, *answers: str) -> subprocess.CompletedProcess:
    """Bake ``template`` with the cookiecutter command and its defaults."""
    environment = without_default_answers(output_dir.parent)
    cookiecutter = venv_executable(DEV_VENV, "cookiecutter")
    command = [cookiecutter, "--no-input", "--output-dir", output_dir, template, *answers]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


def baked(completed: subprocess.CompletedProcess, output_dir: Path) -> Path:
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return output_dir / "my_service"


def toolkit_dependency(project: Path) -> str:
    """The toolkit's entry in the bake's pyproject.toml dependencies, unquoted."""
    lines = (project / "pyproject.toml").read_text().splitlines()
    (line,) = [line for line in lines if line.startswith(TOOLKIT_DEPENDENCY_PREFIXES)]
    return line.strip().removesuffix(",").strip('"')


def pinned(url: str, commit: str) -> str:
    """The requirement a bake from ``url`` at ``commit`` names for the toolkit."""
    return f"alembic-steward[tasks] @ git+{url}@{commit}#subdirectory=toolkit"


def notes(completed: subprocess.CompletedProcess) -> list[str]:
    """The `note:` lines a bake printed."""
    return [line for line in completed.stderr.splitlines() if line.startswith("note: ")]


# Serving a repository on 127.0.0.1.


@dataclass(frozen=True)
class ServedTemplate:
    git_url: str
    http_url: str
    commit: str


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on now, all different (each held open until all are found)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def wait_until_listening(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{server.args} was not listening on {port} within the time allowed")


@contextmanager
def serving(command: list[str | Path], port: int) -> Iterator[None]:
    """Run a server on 127.0.0.1:``port`` for the ``with`` block; stop it after, bounded."""
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(server, port)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@contextmanager
def served(checkout: Path, base: Path) -> Iterator[ServedTemplate]:
    """``checkout``'s repository served over git's own protocol and over dumb HTTP."""
    git(base, "clone", "--quiet", "--bare", str(checkout), "template.git")
    repository = base / "template.git"
    git(repository, "repack", "-a", "-d", "--quiet")  # one pack: a few dumb HTTP requests
    git(repository, "update-server-info")
    git_port, http_port = free_ports(2)
    daemon = ["git", "daemon", "--export-all", f"--base-path={base}", f"--port={git_port}"]
    daemon += ["--listen=127.0.0.1", "--reuseaddr", "--informative-errors"]
    http = [sys.executable, "-m", "http.server", str(http_port), "--bind", "127.0.0.1"]
    http += ["--directory", str(base)]
    with serving(daemon, git_port), serving(http, http_port):
        yield ServedTemplate(
            git_url=f"git://127.0.0.1:{git_port}/template.git",
            http_url=f"http://127.0.0.1:{http_port}/template.git",
            commit=head(checkout),
        )
