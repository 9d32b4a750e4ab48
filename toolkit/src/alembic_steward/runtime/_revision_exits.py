"""A revision whose code ends the process (``sys.exit``, ``os._exit``, ``os.abort``) fails instead.

SystemExit passes every ``except Exception``: raised in a revision's upgrade(), it rolled the
migration back unrecorded and ended the command with the revision's own exit code, 0 for
``sys.exit(0)``, as if all went well; `inv db.check` and `db.status`, whose scratch builds run
the same code, ended 0 in silence too. Revision code is never the command, so its SystemExit
becomes RevisionEndedTheProcess, an ordinary failure of that revision: reported with the state
read afterwards, by every entry point, online, offline and in scratch builds alike.

``os._exit`` and ``os.abort`` skip even that: the process ended on the spot, ``os._exit(0)``
with 0 and nothing printed (nothing applied, the scratch database of `db.status` left on the
server). While revision code runs, the thread running it finds them replaced by functions that
raise SystemExit there, converted as above; any other thread, and a child the revision forked
(multiprocessing's children end through ``os._exit``), still ends at once.

The conversion happens where every revision file is loaded (runtime/_revision_loading.py):
around the file's own import, and around its upgrade() and downgrade(), whoever calls them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, NoReturn

MIGRATION_FUNCTIONS = ("upgrade", "downgrade")


class RevisionEndedTheProcess(Exception):
    """A revision's code raised SystemExit or called os._exit or os.abort, which end the command."""

    def __init__(self, part: str, code: object, call: str | None = None) -> None:
        as_success = " as a success" if code in (0, None) else ""
        ended = (
            f"raised SystemExit({code!r}) (sys.exit), which would end the command{as_success}"
            if call is None
            else f"called {call}, which would end the process at once{as_success}, unreported"
        )
        # What the revision's code did, as written (`SystemExit(0)`, `os._exit(3)`): it does the
        # same each time it runs (runtime/_stopped_downgrades.py names it so).
        self.raised = f"SystemExit({code!r})" if call is None else call
        # What `inv` prints after the revision and its place; raw `alembic` shows it whole.
        self.reason = f"{part} {ended}; fail it by raising an exception"
        super().__init__(self.reason)


class EndCalled(SystemExit):
    """Raised by os._exit or os.abort in revision code, in place of ending the process."""

    def __init__(self, call: str, code: object) -> None:
        super().__init__(code)
        self.call = call


class Running(threading.local):
    """In the thread running revision code: the process it runs in, and the end it called."""

    pid: int | None = None
    called: EndCalled | None = None


class Replaced:
    """How many threads run revision code now: os._exit and os.abort are replaced while any do."""

    lock = threading.Lock()
    users = 0


running = Running()
# The process's own os._exit and os.abort.
REAL_EXIT = os._exit
REAL_ABORT = os.abort


def exit_in_revision(code: int) -> NoReturn:
    """os._exit while revision code runs: a failure in its thread, the real end elsewhere."""
    if running.pid != os.getpid():  # another thread, or a child the revision forked
        REAL_EXIT(code)
    running.called = EndCalled(f"os._exit({code!r})", code)
    raise running.called


def abort_in_revision() -> NoReturn:
    """os.abort while revision code runs, as :func:`exit_in_revision`."""
    if running.pid != os.getpid():
        REAL_ABORT()
    running.called = EndCalled("os.abort()", 128 + signal.SIGABRT)
    raise running.called


@contextlib.contextmanager
def process_ends_failing() -> Iterator[None]:
    """While revision code runs in this thread: its os._exit and os.abort raise EndCalled."""
    with Replaced.lock:
        if Replaced.users == 0:
            os._exit, os.abort = exit_in_revision, abort_in_revision
        Replaced.users += 1
    outer = running.pid, running.called
    running.pid, running.called = os.getpid(), None
    try:
        yield
        # Caught and swallowed by the revision (`except BaseException`): it still asked to end.
        if running.called is not None:
            raise running.called
    finally:
        running.pid, running.called = outer
        with Replaced.lock:
            Replaced.users -= 1
            if Replaced.users == 0:
                os._exit, os.abort = REAL_EXIT, REAL_ABORT


def loading_without_exits(load: Callable[[], None]) -> None:
    """Run ``load`` (a revision file's import); its SystemExit fails the file instead."""
    try:
        with process_ends_failing():
            load()
    except SystemExit as ended:
        raise converted(ended, "loading it") from None


def without_exits(module: ModuleType) -> None:
    """Make ``module``'s upgrade() and downgrade() fail, not end the process, on SystemExit."""
    for name in MIGRATION_FUNCTIONS:
        function = getattr(module, name, None)
        if callable(function):
            setattr(module, name, failing_on_exit(function, f"{name}()"))


def failing_on_exit(function: Callable[..., Any], part: str) -> Callable[..., Any]:
    @functools.wraps(function)
    def run_revision_code(*args: Any, **kwargs: Any) -> Any:
        try:
            with process_ends_failing():
                return function(*args, **kwargs)
        except SystemExit as ended:
            raise converted(ended, part) from None

    return run_revision_code


def converted(ended: SystemExit, part: str) -> RevisionEndedTheProcess:
    """The failure for ``ended``, keeping its traceback: it names the revision's line."""
    call = ended.call if isinstance(ended, EndCalled) else None
    failure = RevisionEndedTheProcess(part, ended.code, call)
    return failure.with_traceback(ended.__traceback__)
