"""How the tests start the fixture service's commands: forked from a pre-imported zygote.

Most of a command's half second is importing SQLAlchemy, Alembic, invoke and the toolkit, and
tearing them down at exit. Each test process starts one zygote (command_zygote.py) that imports
them once and forks each command from there: its argv, folder, environment and stdio as given,
the project's own modules imported fresh. The forked command becomes a child of the test
process (sibling_fork.py; elsewhere the test process is made a child subreaper for that), so
`CommandPopen` waits for it, signals it and reads its exit status as subprocess.Popen does for
a process it started: the pid, signals and status a test sees are the command's own. What a
fork cannot reproduce exactly (a terminal, an interpreter option, a shadowed library) the
zygote refuses, and it starts as a plain process.

TEST_PLAIN_COMMANDS=1 starts every command as a plain process, to check that both agree:
`TEST_PLAIN_COMMANDS=1 python3 scripts/test.py --suite toolkit`.
"""

from __future__ import annotations

import atexit
import ctypes
import inspect
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ZYGOTE = Path(__file__).resolve().parent / "command_zygote.py"
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
# subprocess.Popen._execute_child's parameters, by name: their order differs between Pythons.
EXECUTE_CHILD = inspect.signature(subprocess.Popen._execute_child)  # type: ignore[attr-defined]
# Popen options a forked command has as their defaults only; any other value starts it plain.
FORK_DEFAULTS = {
    "executable": None,
    "preexec_fn": None,
    "close_fds": True,
    "pass_fds": (),
    "shell": False,
    "restore_signals": True,
    "start_new_session": False,
    "process_group": -1,
    "gid": None,
    "gids": None,
    "uid": None,
    "umask": -1,
}


PIPE_ENDS = ("p2cread", "p2cwrite", "c2pread", "c2pwrite", "errread", "errwrite")


def plain_commands() -> bool:
    return os.environ.get("TEST_PLAIN_COMMANDS") == "1" or not sys.platform.startswith("linux")


def popen(argv: list[str], base_environment: dict[str, str], **options: Any) -> subprocess.Popen:
    """subprocess.Popen(argv, **options), the process forked from the zygote when it can be.

    ``base_environment`` is the environment commands start from before their own settings:
    the zygote starts in it, and refuses a command whose start-up variables differ.
    """
    if plain_commands():
        return subprocess.Popen(argv, **options)
    return CommandPopen(zygote(base_environment), argv, **options)


class CommandPopen(subprocess.Popen):
    """A Popen whose child the zygote forks instead of fork and exec, or that falls back to them.

    Everything after the start (pipes, communicate, wait, poll, send_signal, returncode) is
    subprocess's own, on the command's real pid.
    """

    def __init__(self, zygote: Zygote, argv: list[str], **options: Any) -> None:
        self.zygote = zygote
        super().__init__(argv, **options)

    def _execute_child(self, *arguments: Any) -> None:
        given = EXECUTE_CHILD.bind(self, *arguments).arguments
        pid = None
        if all(given.get(name, default) == default for name, default in FORK_DEFAULTS.items()):
            # -1: the child shares this process's own descriptor (stdin=None and the like).
            ends = ((given["p2cread"], 0), (given["c2pwrite"], 1), (given["errwrite"], 2))
            fds = [default if fd == -1 else fd for fd, default in ends]
            argv = [os.fspath(part) for part in given["args"]]
            pid = self.zygote.fork(argv, given["cwd"], given["env"], fds)
        if pid is None:
            super()._execute_child(*arguments)
            return
        self.pid = pid
        self._child_created = True
        # The child's ends of the pipes, closed here as subprocess closes them after its fork.
        self._close_pipe_fds(*(given[name] for name in PIPE_ENDS))


class Zygote:
    """This test process's zygote: started on the first command, stopped when the process ends."""

    def __init__(self, environment: dict[str, str]) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        # Orphaned commands come to this process, which then waits for them like its own.
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
        self.folder = Path(tempfile.mkdtemp(prefix="zygote-"))  # short: a socket path is <108
        self.socket_path = str(self.folder / "socket")
        self.log = self.folder / "log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ZYGOTE), self.socket_path],
                cwd=self.folder,
                env=environment,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        assert self.process.stdout is not None
        if self.process.stdout.readline() != b"ready\n":
            self.process.kill()
            raise RuntimeError(f"the command zygote did not start:\n{self.log.read_text()}")
        atexit.register(self.stop)

    def fork(
        self, argv: list[str], cwd: str | None, env: dict | None, fds: list[int]
    ) -> int | None:
        """Have the zygote fork ``argv`` with these stdio descriptors; its pid, or None if it
        must run plain (the zygote's log says why)."""
        if self.process.poll() is not None:
            # Quietly plain, every command would be slow: fail the test instead.
            raise RuntimeError(f"the command zygote exited:\n{self.log.read_text()}")
        request = json.dumps(
            {
                "argv": argv,
                "cwd": os.path.abspath(cwd or "."),
                "env": dict(env or os.environ),
                "ignored": ignored_signals(),
            },
        ).encode()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(self.socket_path)
            socket.send_fds(connection, [len(request).to_bytes(8, "big")], fds)
            connection.sendall(request)
            answer = connection.makefile("rb").readline().decode().split(" ", 1)
        return int(answer[1]) if answer[0] == "pid" else None

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()  # its cue to end
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def ignored_signals() -> list[int]:
    """The signals this process ignores now, as the kernel has it (SigIgn in /proc/self/status):
    also those a C library set aside, which Python's signal.getsignal would not show."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            mask = int(line.split()[1], 16)
            return [number for number in range(1, 65) if mask & (1 << (number - 1))]
    return []


running_zygote: Zygote | None = None


def zygote(environment: dict[str, str]) -> Zygote:
    """This process's zygote, started in ``environment`` on the first call and kept running."""
    global running_zygote
    if running_zygote is None:
        running_zygote = Zygote(environment)
    return running_zygote
