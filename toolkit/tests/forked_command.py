"""Become one command in a child forked from the zygote (command_zygote.py), as Python starts it.

A fresh `python ARGS` sets up its stdio, sys.path, sys.argv and `__main__`, runs the program,
prints an uncaught exception, then shuts down: non-daemon threads joined, atexit callbacks,
stdio flushed, modules torn down. This module does each step the same way, from the state the
zygote left (libraries and the toolkit imported, nothing of the command's). The one shortcut is
at the end: the command's own modules (the service's, `__main__`) are torn down and their garbage
collected, so their finalizers run and print as they would, but the preloaded libraries' are
not: dismantling them again in every command costs a fifth of a second and shows nothing. And
while daemon threads still run (aiosqlite's), which the interpreter would freeze first and a
fork cannot, only the garbage is collected: clearing modules under a running thread would
break it where a real exit never does.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import gc
import importlib
import io
import os
import runpy
import signal
import sys
import tempfile
import threading
import time
import types
from dataclasses import dataclass, field
from importlib.machinery import BuiltinImporter, SourceFileLoader


@dataclass
class Request:
    """One command to become: argv as it would be exec'd, its folder, environment and stdio."""

    argv: list[str]
    cwd: str
    env: dict[str, str]
    fds: list[int]
    kind: str = ""  # "script", "module" or "code", once classified
    target: str = ""  # the script's path, the module's name or the code
    arguments: list[str] = field(default_factory=list)
    # The signals the caller ignores when it asks: an exec'd child inherits exactly those.
    ignored: list[int] = field(default_factory=list)


def classify(request: Request) -> str | None:
    """Set how ``request`` runs (script, module, code); say why not when Python's options differ."""
    program, *rest = request.argv
    if program == sys.executable:
        if rest[:1] in (["-c"], ["-m"]) and len(rest) >= 2:
            request.kind = "code" if rest[0] == "-c" else "module"
            request.target, request.arguments = rest[1], rest[2:]
            return None
        if not rest or rest[0].startswith("-"):
            return f"python option {rest[:1]}"
        request.kind, request.target, request.arguments = "script", rest[0], rest[1:]
        return None
    # A console script of this environment (inv, alembic, pytest): a script for this Python.
    try:
        with open(os.path.join(request.cwd, program), "rb") as script:
            shebang = script.readline()
    except OSError:
        return f"{program} is unreadable"
    if shebang.rstrip(b"\r\n") != f"#!{sys.executable}".encode():
        return f"{program} is not a script of {sys.executable}"
    request.kind, request.target, request.arguments = "script", program, rest
    return None


def path_zero(request: Request) -> str:
    """sys.path[0] as the interpreter sets it: the script's folder, the cwd for -m, '' for -c."""
    if request.kind == "script":
        script = os.path.join(request.cwd, request.target)
        return os.path.dirname(os.path.realpath(script))
    return request.cwd if request.kind == "module" else ""


def python_path(request: Request) -> list[str]:
    """PYTHONPATH's folders as site.py leaves them: absolute, an empty one the cwd."""
    value = request.env.get("PYTHONPATH")
    if not value:
        return []
    return [os.path.abspath(os.path.join(request.cwd, entry)) for entry in value.split(os.pathsep)]


def without_duplicates(folders: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for folder in folders:
        if os.path.normcase(folder) not in seen:
            seen.add(os.path.normcase(folder))
            kept.append(folder)
    return kept


def become(request: Request, base_path: list[str]) -> None:
    """Turn this forked child into a fresh interpreter's state for ``request``.

    ``base_path`` is the zygote's sys.path after its own folder: the standard library and
    site-packages, as every command has them.
    """
    for target, fd in enumerate(request.fds):
        os.dup2(fd, target)
    for fd in set(request.fds) - {0, 1, 2}:
        os.close(fd)
    start_with_signals_ignored(request.ignored)
    os.chdir(request.cwd)
    os.environ.clear()
    os.environ.update(request.env)
    time.tzset()
    tempfile.tempdir = None
    if "multiprocessing.process" in sys.modules:
        # What multiprocessing takes from the process when imported: its folder, a new key.
        process = sys.modules["multiprocessing.process"]
        process.ORIGINAL_DIR = os.path.abspath(request.cwd)  # type: ignore[attr-defined]
        process.current_process().authkey = os.urandom(32)  # type: ignore[attr-defined]
    sys.dont_write_bytecode = bool(request.env.get("PYTHONDONTWRITEBYTECODE"))
    sys.path[:] = [path_zero(request), *without_duplicates(python_path(request) + base_path)]
    option = {"script": [], "code": ["-c"], "module": ["-m"]}[request.kind]
    sys.orig_argv = [sys.executable, *option, request.target, *request.arguments]
    new_standard_streams()
    importlib.invalidate_caches()


# Python's own start-up ignores these; SIGINT raises KeyboardInterrupt unless inherited ignored.
IGNORED_BY_PYTHON = frozenset({signal.SIGPIPE, signal.SIGXFSZ})


def start_with_signals_ignored(ignored: list[int]) -> None:
    """Give each signal the disposition an exec'd Python would start with, had the caller
    started it now: ignored where the caller ignores it (inherited across exec), Python's
    start-up defaults elsewhere. The zygote's own come from when it started, which a caller
    that ignored SIGINT for a moment then (a shell's `cmd &`, `os.system`) would leave wrong.
    """
    for number in signal.valid_signals():
        if number in (signal.SIGKILL, signal.SIGSTOP):
            continue
        if number in ignored or number in IGNORED_BY_PYTHON:
            handler = signal.SIG_IGN
        elif number == signal.SIGINT:
            handler = signal.default_int_handler
        else:
            handler = signal.SIG_DFL
        with contextlib.suppress(OSError, ValueError):  # real-time signals the libc reserves
            signal.signal(number, handler)


def new_standard_streams() -> None:
    """sys.stdin/stdout/stderr on fds 0-2, made the way the interpreter makes them at start-up."""
    unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
    streams = []
    for fd, old, name in (
        (0, sys.__stdin__, "<stdin>"),
        (1, sys.__stdout__, "<stdout>"),
        (2, sys.__stderr__, "<stderr>"),
    ):
        writing = fd != 0
        buffering = 0 if writing and unbuffered else -1
        mode = "wb" if writing else "rb"
        binary = open(fd, mode, buffering=buffering, closefd=False)  # noqa: SIM115 - for good
        raw = binary if isinstance(binary, io.FileIO) else binary.raw
        raw.name = name  # type: ignore[misc]
        stream = io.TextIOWrapper(
            binary,
            encoding=old.encoding,
            errors=old.errors,
            newline="\n",
            line_buffering=not unbuffered and (fd == 2 or os.isatty(fd)),
            write_through=unbuffered,
        )
        stream.mode = "w" if writing else "r"  # type: ignore[misc]
        streams.append(stream)
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams


def run_and_exit(request: Request) -> None:
    """Run the command as `__main__`, then end this process as the interpreter would end it."""
    preloaded = set(sys.modules)
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins  # type: ignore[attr-defined]
    main.__annotations__ = {}
    main.__loader__ = BuiltinImporter
    sys.modules["__main__"] = main
    if "__mp_main__" in sys.modules:
        # multiprocessing names the main module so when imported: the command's, had it been.
        sys.modules["__mp_main__"] = main
    killed_by = None
    try:
        run(request, main)
        code = 0
    except SystemExit as exit:
        code = exit_code(exit)
    except BaseException as error:  # noqa: B036 - printed and turned into an exit, as Python does
        print_uncaught(error)
        code = 1
        if isinstance(error, KeyboardInterrupt):
            killed_by = signal.SIGINT
    shut_down(code, preloaded - {"__main__"}, killed_by)


def run(request: Request, main: types.ModuleType) -> None:
    if request.kind == "module":
        sys.argv = ["-m", *request.arguments]  # runpy puts the module's path first
        runpy._run_module_as_main(request.target, alter_argv=True)  # type: ignore[attr-defined]
    elif request.kind == "code":
        sys.argv = ["-c", *request.arguments]
        exec(compile(request.target, "<string>", "exec"), vars(main))
    else:
        run_script(request, main)


def run_script(request: Request, main: types.ModuleType) -> None:
    sys.argv = [request.target, *request.arguments]
    path = os.path.abspath(request.target)
    try:
        with open(path, "rb") as script:
            source = script.read()
    except OSError as error:
        print(
            f"{sys.executable}: can't open file {path!r}: [Errno {error.errno}] {error.strerror}",
            file=sys.stderr,
        )
        sys.exit(2)
    main.__file__ = path
    main.__cached__ = None  # type: ignore[attr-defined]
    main.__loader__ = SourceFileLoader("__main__", path)
    exec(compile(source, path, "exec"), vars(main))


def exit_code(exit: SystemExit) -> int:
    """The status `sys.exit(code)` ends with; a code that is not a number is printed first."""
    if exit.code is None:
        return 0
    if isinstance(exit.code, int):
        return exit.code & 0xFF
    print(exit.code, file=sys.stderr)
    return 1


def print_uncaught(error: BaseException) -> None:
    """Print ``error`` as the interpreter prints an uncaught one, without this file's frames."""
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_frame.f_code.co_filename == __file__:
        traceback = traceback.tb_next
    error = error.with_traceback(traceback)
    sys.last_type, sys.last_value, sys.last_traceback = type(error), error, traceback
    sys.excepthook(type(error), error, traceback)


def shut_down(code: int, preloaded: set[str], killed_by: int | None) -> None:
    """End as the interpreter ends: threads joined, atexit run, stdio flushed, the command's
    modules torn down (their finalizers printing as usual); then exit with ``code`` or, after an
    uncaught KeyboardInterrupt, die of SIGINT."""
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        code = code or 120  # the interpreter's status for a stdout it could not flush
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    if threading.active_count() == 1:
        tear_down(name for name in reversed(list(sys.modules)) if name not in preloaded)
    gc.collect()  # finalizers of the garbage, as the interpreter's last collection runs them
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()  # what finalizers printed
    if killed_by is not None:
        signal.signal(killed_by, signal.SIG_DFL)
        os.kill(os.getpid(), killed_by)
    os._exit(code)


def tear_down(names: object) -> None:
    """Drop the modules ``names`` newest first and clear what they hold, as the interpreter's
    teardown does, so that what only they held is finalized."""
    modules = [sys.modules.pop(name) for name in list(names)]  # type: ignore[call-overload]
    for module in modules:
        if module is None:
            continue
        namespace = vars(module)
        # The interpreter's order: names starting with one underscore first, then the rest.
        for private in (True, False):
            for name in list(namespace):
                is_private = name.startswith("_") and not name.startswith("__")
                if is_private == private and name != "__builtins__":
                    namespace[name] = None
