"""A pre-imported Python that forks one process per command the tests run (commands.py starts it).

Each `inv`, `alembic` or `python` a test runs spends most of its half second importing
SQLAlchemy, Alembic, invoke, the drivers and the toolkit, and tearing them down again. This
server imports them once, then waits on a Unix socket. For each request (the command's argv,
folder, environment and its three standard file descriptors) it forks a process that becomes
that command as a fresh interpreter would start it (forked_command.py): stdio on those
descriptors, its folder, environment, sys.path, sys.argv and a new `__main__`, the project's own
modules imported anew, Python's own handling of its end. The command is handed to the test
process as its own child (see fork_for_caller), so its pid, signals and exit status are real.

A command a fork cannot reproduce exactly is refused with a reason, and the test process starts
it as a plain process instead: a terminal on its stdio, an interpreter option, a start-up
variable (PYTHON*, locale, a preloaded library's own) that differs from the server's, or a
folder searched before site-packages that holds a sitecustomize or shadows a preloaded module.
"""

from __future__ import annotations

import sys

# What the interpreter imported before this file ran: a plain command imports the same.
AT_STARTUP = frozenset(sys.modules)

import gc  # noqa: E402 - after the snapshot above
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pkgutil  # noqa: E402
import select  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import sibling_fork  # noqa: E402
from forked_command import Request, become, classify, path_zero, python_path, run_and_exit  # noqa: E402

# The third-party libraries the fixture service's commands import. Not the service's own
# modules: those are imported fresh in each command.
PRELOADED = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.mysql",
    "alembic",
    "alembic.command",
    "alembic.config",
    "alembic.autogenerate",
    "invoke",
    "invoke.main",
    "psycopg",
    "pymysql",
    "yaml",
    "dotenv",
    "mako.template",
    "logging.config",
    "importlib.metadata",
    "sqlite3",
    "asyncio",
    "tenacity",
    "concurrent.futures.thread",
    "concurrent.futures.process",  # multiprocessing too, for the tenant fan-out's workers
)
# The toolkit too, every module of it, the ones a command imports only when it needs them
# included: a `db` task imported about 150 of them, a fifth of a second of its CPU time. It reads
# its settings and variables when called, never at import (test_command_zygote.py checks), so a
# command finds it as a fresh import would leave it. Not its pytest plugin, which imports pytest.
TOOLKIT = "alembic_steward"
NOT_PRELOADED = frozenset({"alembic_steward.testing"})
# Variables read while the interpreter starts, on top of the PYTHON* ones and the locale's.
EMULATED_VARIABLES = frozenset({"PYTHONPATH", "PYTHONDONTWRITEBYTECODE"})
# Names that would run code at start-up if a folder on PYTHONPATH held them.
STARTUP_HOOKS = frozenset({"sitecustomize", "usercustomize"})


class Zygote:
    """The server: its preloaded state and its socket."""

    def __init__(self, socket_path: str) -> None:
        self.environment = dict(os.environ)
        self.base_path = sys.path[1:]  # without this file's folder, as sys.path[0]
        for name in PRELOADED:
            importlib.import_module(name)
        read = import_package_watched(TOOLKIT)
        if read:
            # It would keep what it read here, not what each command's environment says.
            raise RuntimeError(f"importing {TOOLKIT} read {read}; read them when called instead")
        # A service's `from app...`, the toolkit's pytest plugin: never in the parent's memory.
        kept_out = ("app", *NOT_PRELOADED)
        leaked = [
            name
            for name in sys.modules
            if name.startswith(tuple(f"{out}." for out in kept_out)) or name in kept_out
        ]
        if leaked:
            raise RuntimeError(f"preloading imported {leaked}; commands must import them afresh")
        self.preloaded = {name.split(".")[0] for name in set(sys.modules) - AT_STARTUP}
        # What preloading built lives until each command's end: frozen, the collector of a
        # command never walks it (at exit, the one collection a plain command's end runs too,
        # that walk alone cost a tenth of a second of CPU, mostly copying the pages it touched).
        # A `db` task freezes the same objects itself (alembic_steward.tasks._startup).
        gc.freeze()
        self.prefixes = tuple(
            f"{name.upper()}_" for name in self.preloaded if name not in sys.stdlib_module_names
        )
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(socket_path)
        self.listener.listen(64)

    def serve(self) -> Request:
        """Serve requests until the tests close stdin; returns only in a forked command."""
        while True:
            readable, _, _ = select.select([self.listener, 0], [], [])
            if 0 in readable and not os.read(0, 4096):
                os._exit(0)  # the test process is done; its commands are its own
            if self.listener in readable:
                request = self.serve_one()
                if request is not None:
                    return request

    def serve_one(self) -> Request | None:
        """Read a request; answer `plain WHY`, or fork the command and answer `pid N`."""
        connection, _ = self.listener.accept()
        with connection:
            try:
                request = receive(connection)
            except (OSError, ValueError) as error:
                print(f"zygote: unreadable request: {error}", file=sys.stderr, flush=True)
                return None
            refusal = self.refusal(request)
            if refusal is None:
                pid = self.fork_for_caller(connection)
                if pid == 0:
                    return request  # in the command, whose stdio those descriptors become
                answer = f"pid {pid}" if pid > 0 else "plain the fork failed"
            else:
                print(f"zygote: plain {request.argv[:3]}: {refusal}", file=sys.stderr, flush=True)
                answer = f"plain {refusal}"
            for fd in request.fds:
                os.close(fd)
            send(connection, answer)
        return None

    def fork_for_caller(self, connection: socket.socket) -> int:
        """Fork the command as the caller's child: 0 in the command, its pid here, -1 on failure.

        Where Linux's clone(CLONE_PARENT) is at hand (sibling_fork.py), one fork makes the
        caller its parent at once. Elsewhere a short-lived middle process forks the command and
        exits: orphaned, the command goes to the nearest subreaper above it, the test process
        (commands.py), which waits for it and signals it as it would a process it had started.
        """
        if sibling_fork.available():
            try:
                pid = sibling_fork.fork_as_sibling()
            except OSError:
                return -1
            if pid == 0:
                self.listener.close()
                connection.close()
            return pid
        reading, writing = os.pipe()
        middle = os.fork()
        if middle == 0:
            middle_pid = os.getpid()
            try:
                command = os.fork()
            except OSError:
                os._exit(1)
            if command == 0:
                os.close(reading)
                os.close(writing)
                self.listener.close()
                connection.close()
                wait_for_new_parent(middle_pid)
                return 0
            os.write(writing, str(command).encode())
            os._exit(0)
        os.close(writing)
        with open(reading, "rb") as pid:
            written = pid.read()
        os.waitpid(middle, 0)  # once it is gone, the command is the caller's
        return int(written) if written else -1

    def refusal(self, request: Request) -> str | None:
        """Why ``request`` must run as a plain process, or None when a fork reproduces it."""
        if not os.path.isdir(request.cwd):
            return "no such folder"  # for subprocess's own error
        if any(os.isatty(fd) for fd in request.fds):
            # Libraries read the terminal while they import (Alembic its width, from fd 0).
            return "a terminal on its stdio"
        for name in sorted(set(self.environment) | set(request.env)):
            if self.read_at_startup(name) and self.environment.get(name) != request.env.get(name):
                return f"{name} differs from the zygote's"
        why_not = classify(request)
        if why_not is not None:
            return why_not
        # Folders searched before site-packages: the command's own first (its '' is its cwd),
        # then PYTHONPATH's, which site.py also searches for a sitecustomize.
        first = path_zero(request) or request.cwd
        searched = [(first, False)] + [(folder, True) for folder in python_path(request)]
        for folder, hooks_too in searched:
            found = self.shadowing(folder, hooks_too=hooks_too)
            if found is not None:
                return f"{folder} holds {found}"
        return None

    def read_at_startup(self, name: str) -> bool:
        # The toolkit's own settings (ALEMBIC_STEWARD_CACHE): it reads them when called, never
        # at import, so a command reads them afresh, though the toolkit is preloaded.
        if name in EMULATED_VARIABLES or name.startswith("ALEMBIC_STEWARD_"):
            return False
        locale = name in ("LANG", "LANGUAGE") or name.startswith("LC_")
        return name.startswith("PYTHON") or locale or name.startswith(self.prefixes)

    def shadowing(self, folder: str, *, hooks_too: bool) -> str | None:
        """A module in ``folder`` a plain command would import instead of a preloaded one (or as
        its start-up hook); None when there is none."""
        names = self.preloaded | (STARTUP_HOOKS if hooks_too else frozenset())
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return None
        for entry in entries:
            name, dot, suffix = entry.name.partition(".")
            if name not in names:
                continue
            if entry.is_dir() if not dot else suffix in ("py", "pyc") or suffix.endswith("so"):
                return entry.name
        return None


def import_package_watched(name: str) -> list[str]:
    """Import the package ``name`` as import_package does; return what of the process it read
    meanwhile: the environment's variables, or its folder (os.getcwd, Path.cwd)."""
    read: list[str] = []
    environment, getcwd = os.environ, os.getcwd

    class WatchedEnvironment(type(environment)):  # type: ignore[misc]
        def __getitem__(self, key: str) -> str:
            read.append(key)
            return super().__getitem__(key)

        def __iter__(self) -> Iterator[str]:
            read.append("every variable")
            return super().__iter__()

    def watched_getcwd() -> str:
        read.append("the working folder")
        return getcwd()

    # os.getenv and `from os import environ` after this read the watched one too.
    os.environ = WatchedEnvironment(  # noqa: B003 - the same variables, watched; put back below
        environment._data,  # type: ignore[attr-defined]
        environment.encodekey,  # type: ignore[attr-defined]
        environment.decodekey,  # type: ignore[attr-defined]
        environment.encodevalue,  # type: ignore[attr-defined]
        environment.decodevalue,  # type: ignore[attr-defined]
    )
    os.getcwd = watched_getcwd
    try:
        import_package(name)
    finally:
        os.environ, os.getcwd = environment, getcwd
    return sorted(set(read))


def import_package(name: str) -> None:
    """Import the package ``name`` and every module under it but those in NOT_PRELOADED."""
    package = importlib.import_module(name)
    for module in pkgutil.iter_modules(package.__path__, f"{name}."):
        if module.name in NOT_PRELOADED:
            continue
        if module.ispkg:
            import_package(module.name)
        else:
            importlib.import_module(module.name)


def wait_for_new_parent(middle: int) -> None:
    """Start the command only once the middle process is gone and the caller adopted it: a
    command reading its parent's pid then sees the caller's, as a plain child would."""
    deadline = time.monotonic() + 10
    while os.getppid() == middle and time.monotonic() < deadline:
        time.sleep(0.0002)


def receive(connection: socket.socket) -> Request:
    """Read one request: an 8-byte length with the three descriptors, then that much JSON."""
    connection.settimeout(10)
    header, fds, _, _ = socket.recv_fds(connection, 8, 3)
    if len(fds) != 3:
        raise ValueError(f"expected 3 file descriptors, got {len(fds)}")
    while len(header) < 8:
        header += connection.recv(8 - len(header))
    size = int.from_bytes(header, "big")
    body = b""
    while len(body) < size:
        chunk = connection.recv(size - len(body))
        if not chunk:
            raise ValueError("request cut short")
        body += chunk
    connection.settimeout(None)
    fields = json.loads(body)
    return Request(fields["argv"], fields["cwd"], fields["env"], fds, ignored=fields["ignored"])


def send(connection: socket.socket, line: str) -> None:
    connection.sendall(f"{line}\n".encode())


def main() -> None:
    zygote = Zygote(sys.argv[1])
    print("ready", flush=True)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # the tests read only "ready" from here
    os.close(null)
    request = zygote.serve()
    # From here on this is a forked child, and becomes the command.
    base_path = zygote.base_path
    del zygote
    become(request, base_path)
    run_and_exit(request)


if __name__ == "__main__":
    main()
