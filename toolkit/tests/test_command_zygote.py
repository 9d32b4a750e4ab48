"""A command forked from the tests' zygote shows what a plain process shows (commands.py).

Each case runs the same command both ways, through Project (TEST_PLAIN_COMMANDS=1 for the plain
run), and compares what a test can see: exit status, stdout, stderr, and what the program sees
of its interpreter (argv, sys.path, `__main__`, folder, environment, stdio).
"""

from __future__ import annotations

import functools
import os
import pty
import re
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from command_zygote import import_package_watched
from project import Project

# Prints what a program can see of how it was started, then exits as its arguments say.
PROBE = """\
import os, sys

main = sys.modules["__main__"]
print("argv", sys.argv)
print("orig_argv", sys.orig_argv)
print("path", sys.path[:3])
print("main", sorted(vars(main)), getattr(main, "__file__", None), main.__spec__)
print("cwd", os.getcwd(), "variable", os.environ.get("PROBE_VARIABLE"))
print("stdin", sys.stdin.isatty(), sys.stdin.read())
print("stdout", sys.stdout.line_buffering, sys.stdout.encoding, sys.stderr.line_buffering)
print("bytecode", sys.dont_write_bytecode)
import app.settings
print("app", app.settings.__file__)
sys.stdout.flush()
print("to stderr", file=sys.stderr)
how = sys.argv[-1]
if how == "raise":
    raise ValueError("uncaught")
if how == "interrupt":
    raise KeyboardInterrupt
if how == "message":
    sys.exit("a message instead of a code")
if how == "daemon-thread":  # still running at exit: the interpreter stops it first
    import threading

    def watch(settings=app.settings, write=os.write):
        while True:
            if vars(settings).get("get_settings") is None:
                write(2, b"a module was cleared under a running thread\\n")
                return

    threading.Thread(target=watch, daemon=True).start()
if how == "finalizer":
    class Noisy:
        def __del__(self):
            raise RuntimeError("in a finalizer at exit")
    main.noisy = Noisy()
sys.exit(int(how) if how.isdigit() else 0)
"""
HOW_IT_STARTS = {
    "script": ("python", "probe.py"),
    "module": ("python", "-m", "probe"),
    "code": ("python", "-c", "exec(open('probe.py').read())"),
}
HOW_IT_ENDS = ["0", "3", "raise", "interrupt", "message", "finalizer", "daemon-thread"]
# Sleeps until a signal ends it: handled (SIGINT raises KeyboardInterrupt) or not (SIGTERM).
# It sets SIGINT's handler itself: a test run started in the background by a shell without job
# control (`cmd &` in a script) ignores SIGINT, and so does every process it starts, forked or
# plain.
SLEEPER = """\
import signal, time
signal.signal(signal.SIGINT, signal.default_int_handler)
print("sleeping", flush=True)
time.sleep(3600)
"""
# Says whether SQLAlchemy was imported before the program asked: only in a forked command.
PRELOADED = "import sys; print('sqlalchemy' in sys.modules)"
# The same of a toolkit module a `db` task imports only when it compares schemas.
TOOLKIT_PRELOADED = "import sys; print('alembic_steward.inspection._drift' in sys.modules)"
ADDRESS = re.compile(r" at 0x[0-9a-f]+")
T = TypeVar("T")


def forked_and_plain(monkeypatch: pytest.MonkeyPatch, run: Callable[[], T]) -> tuple[T, T]:
    """What ``run`` returns with its commands forked from the zygote, then run as plain ones."""
    monkeypatch.delenv("TEST_PLAIN_COMMANDS", raising=False)
    forked = run()
    monkeypatch.setenv("TEST_PLAIN_COMMANDS", "1")
    return forked, run()


def seen(completed: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    """Exit status and output, less the addresses in object reprs and the source lines of
    tracebacks: at exit the interpreter can no longer read those, and a fork still can."""
    stdout, stderr = (ADDRESS.sub("", output) for output in (completed.stdout, completed.stderr))
    stderr = "".join(line for line in stderr.splitlines(True) if not line.startswith("    "))
    return completed.returncode, stdout, stderr


@pytest.mark.parametrize("ending", HOW_IT_ENDS)
@pytest.mark.parametrize("command", list(HOW_IT_STARTS.values()), ids=list(HOW_IT_STARTS))
def test_a_forked_command_starts_and_ends_as_a_plain_one(
    project: Project, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...], ending: str
) -> None:
    (project.path / "probe.py").write_text(PROBE)

    def run() -> subprocess.CompletedProcess[str]:
        with project.popen(
            *command,
            "an argument",
            ending,
            cwd=project.path,
            env=project.environment(PROBE_VARIABLE="set", PYTHONDONTWRITEBYTECODE="1"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            stdout, stderr = process.communicate("from stdin")
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    forked, plainly = forked_and_plain(monkeypatch, run)
    assert seen(forked) == seen(plainly)
    assert "from stdin" in forked.stdout and "variable set" in forked.stdout


def test_commands_are_forked_from_the_preloaded_zygote_unless_plain_is_asked(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for probe in (PRELOADED, TOOLKIT_PRELOADED):
        run = functools.partial(project.run, "python", "-c", probe)
        forked, plainly = forked_and_plain(monkeypatch, run)
        assert (forked.stdout, plainly.stdout) == ("True\n", "False\n"), probe


def test_a_package_that_reads_its_process_while_imported_is_caught_before_preloading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Preloaded, it would keep the zygote's values: every command would see those.
    package = tmp_path / "reads_at_import"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text("import os\nURL = os.environ.get('SOME_URL')\n")
    (package / "folders.py").write_text("from pathlib import Path\nHERE = Path.cwd()\n")
    (package / "calls.py").write_text("import os\ndef url():\n    return os.getenv('SOME_URL')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_package_watched("reads_at_import") == ["SOME_URL", "the working folder"]


@pytest.mark.parametrize(
    "signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"]
)
def test_a_signal_reaches_a_forked_command_and_its_status_comes_back(
    project: Project, monkeypatch: pytest.MonkeyPatch, signal_number: int
) -> None:
    (project.path / "sleeper.py").write_text(SLEEPER)

    def stopped() -> tuple[int, str]:
        running = project.start("python", "sleeper.py")
        assert running.stdout is not None and running.stdout.readline() == "sleeping\n"
        running.send_signal(signal_number)
        try:
            _, stderr = running.communicate(timeout=SIGNALLED_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            # Fail in a minute, not at the sleep's end, with what the kernel says of the
            # command's signals (a SIGINT ignored since the test run's start was such a case).
            state = process_signal_state(running.pid)
            running.kill()
            running.communicate()
            pytest.fail(f"{signal_number!r} did not end the command; /proc says: {state}")
        return running.returncode, stderr.splitlines()[-1] if stderr else ""

    forked, plainly = forked_and_plain(monkeypatch, stopped)
    assert forked == plainly
    assert forked[0] == -signal_number  # SIGINT: KeyboardInterrupt, uncaught, ends by SIGINT


# A sleeping command ends within milliseconds of the signal; a minute is for a loaded machine.
SIGNALLED_EXIT_SECONDS = 60
SIGNAL_FIELDS = ("State", "PPid", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")


def process_signal_state(pid: int) -> str:
    """The lines of /proc/PID/status that tell where a signal went (parent, masks)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError as error:
        return f"unreadable ({error})"
    return "; ".join(line for line in lines if line.split(":")[0] in SIGNAL_FIELDS)


def test_the_pid_a_test_sees_is_the_command_s_own(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_PLAIN_COMMANDS", raising=False)
    running = project.start("python", "-c", "import os, sys; print(os.getpid(), os.getppid())")
    stdout, _ = running.communicate()
    assert stdout.split() == [str(running.pid), str(os.getpid())]


SIGNALLED_BY_A_THREAD = """
import signal, threading
main = threading.main_thread().ident
thread = threading.Thread(target=signal.pthread_kill, args=(main, signal.SIGTERM))
thread.start()
thread.join()
"""


def test_a_forked_command_s_threads_signal_its_main_thread_as_a_plain_one_s_do(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pthread_kill() signals the thread id glibc's record holds: a fork that left the zygote's
    # there (sibling_fork.py) would fail it with "No such process".
    def raised() -> tuple[int, str]:
        completed = project.run("python", "-c", SIGNALLED_BY_A_THREAD)
        return completed.returncode, completed.stderr

    forked, plainly = forked_and_plain(monkeypatch, raised)
    assert forked == plainly == (-signal.SIGTERM, "")


def test_what_a_fork_cannot_reproduce_runs_plain(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_PLAIN_COMMANDS", raising=False)
    controller, terminal = pty.openpty()
    try:
        with project.popen(
            "python",
            "-c",
            PRELOADED,
            cwd=project.path,
            env=project.environment(),
            stdin=terminal,
            stdout=subprocess.PIPE,
            text=True,
        ) as on_a_terminal:
            stdout, _ = on_a_terminal.communicate()
    finally:
        os.close(terminal)
        os.close(controller)
    assert stdout == "False\n"
    with_an_option = project.run("python", "-X", "utf8", "-c", PRELOADED)
    assert with_an_option.stdout == "False\n"
    other_startup = project.run("python", "-c", PRELOADED, env={"PYTHONHASHSEED": "7"})
    assert other_startup.stdout == "False\n"
    (project.path / "yaml.py").write_text("")  # would shadow the preloaded PyYAML
    assert project.run("python", "-c", PRELOADED).stdout == "False\n"


def test_a_command_ignores_the_signals_its_caller_ignores_when_it_starts_it(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An exec'd child inherits ignored signals; a forked one gets the caller's as of its
    # request, not those of whoever started the zygote.
    probe = "print(open('/proc/self/status').read().split('SigIgn:')[1].split()[0])"

    def ignored_masks() -> tuple[str, str]:
        # Set both ways here: the test run itself may have started with SIGQUIT ignored.
        previous = signal.signal(signal.SIGQUIT, signal.SIG_IGN)
        try:
            while_ignored = project.run("python", "-c", probe).stdout
            signal.signal(signal.SIGQUIT, signal.SIG_DFL)
            after = project.run("python", "-c", probe).stdout
        finally:
            signal.signal(signal.SIGQUIT, previous)
        return while_ignored, after

    forked, plainly = forked_and_plain(monkeypatch, ignored_masks)
    assert forked == plainly
    while_ignored, after = (int(mask, 16) for mask in forked)
    quit_bit = 1 << (signal.SIGQUIT - 1)
    assert while_ignored & quit_bit and not after & quit_bit
