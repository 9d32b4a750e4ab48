"""A fan-out forks its workers while the parent's own threads may hold their locks.

A README-only tester's fan-out hung once in about 55 runs: both workers waited for ever in the
read watchdog's lock, forked while the parent's watchdog thread held it (a forked child has
the parent's memory, so the lock is held, but not its threads, so no one ever releases it).
Each test holds a lock from another thread of this process at the moment of the fork, which
the tester met by chance, and asserts the child gets on with its work.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux")

# Long enough for a child that is not stuck, on a busy CI machine.
CHILD_DEADLINE = 30


@contextmanager
def held_by_another_thread(lock: Any) -> Iterator[None]:
    """Hold ``lock`` from a thread of its own while the block runs (and forks)."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            done.wait()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    taken.wait()
    try:
        yield
    finally:
        done.set()
        holder.join()


def exit_code_of_forked(work: Callable[[], bool]) -> int | None:
    """Run ``work`` in a forked child; its exit code (0: it returned True), None when stuck."""

    def child() -> None:
        os._exit(0 if work() else 1)

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join(CHILD_DEADLINE)
    if process.is_alive():
        process.kill()
        process.join()
        return None
    return process.exitcode


def read_deadline_ends_a_silent_wait() -> bool:
    from alembic_steward.runtime._read_watchdog import watching

    client, server = socket.socketpair()
    with client, server, watching(client.fileno(), 0.2) as watch:
        client.recv(10)
    return watch.fired


def test_a_child_forked_while_the_watchdog_lock_is_held_still_bounds_its_reads() -> None:
    from alembic_steward.runtime._read_watchdog import WATCHDOG

    with held_by_another_thread(WATCHDOG.condition):
        code = exit_code_of_forked(read_deadline_ends_a_silent_wait)
    assert code is not None, "the child waited for ever on the watchdog's lock"
    assert code == 0, "the child's read deadline did not end its wait"


def test_a_child_never_shuts_down_the_sockets_its_parent_watches() -> None:
    from alembic_steward.runtime._read_watchdog import WATCHDOG, watching

    client, server = socket.socketpair()
    # A socket is shared with the child: shut down there, the parent's connection dies too.
    with client, server, watching(client.fileno(), 300):
        code = exit_code_of_forked(lambda: not WATCHDOG.armed)
        assert code == 0, "the child inherited the parent's armed waits"
        server.sendall(b"still here")
        assert client.recv(10) == b"still here"


def test_a_child_forked_while_the_shared_tls_lock_is_held_still_connects() -> None:
    pytest.importorskip("pymysql")
    from alembic_steward.runtime import _mysql_tls

    def build_the_shared_context() -> bool:
        connection = object.__new__(_mysql_tls.SharedTlsConnection)
        return connection._create_ssl_ctx({}) is not None

    with held_by_another_thread(_mysql_tls._built):
        code = exit_code_of_forked(build_the_shared_context)
    assert code == 0, "the child waited for ever on the TLS context's lock"


# The tenants callable runs in the fan-out's parent before any worker is forked: from then on
# each fork happens while another thread of the parent holds the read watchdog's lock.
TENANTS_FORKED_UNDER_THE_WATCHDOG_LOCK = """
import os
import threading

from alembic_steward.runtime._read_watchdog import WATCHDOG

taken, let_go = threading.Event(), threading.Event()


def hold_the_lock() -> None:
    with WATCHDOG.condition:
        taken.set()
        let_go.wait()


def take_it_before_the_fork() -> None:
    taken.clear()
    let_go.clear()
    threading.Thread(target=hold_the_lock, daemon=True).start()
    taken.wait()


os.register_at_fork(before=take_it_before_the_fork, after_in_parent=let_go.set)


def list_tenants() -> list[str]:
    return os.environ["FIXTURE_TENANTS"].split(",")
"""


def test_a_fan_out_forked_while_its_watchdog_lock_is_held_migrates_every_tenant(
    tmp_path, postgresql_url: str
) -> None:
    import json
    import signal
    import subprocess

    from test_tenants import schema_project

    names = ["w1", "w2", "w3"]
    project = schema_project(tmp_path, postgresql_url, names)
    (project.path / "app" / "tenants.py").write_text(TENANTS_FORKED_UNDER_THE_WATCHDOG_LOCK)
    command = ("python", "-m", "app.migrations", "upgrade", "--all-tenants", "--parallel", "2")
    running = project.popen(
        *command,
        "--json",
        cwd=project.path,
        env=project.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = running.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(running.pid, signal.SIGKILL)
        running.communicate()
        pytest.fail("the fan-out's workers waited for ever on the watchdog's lock")
    assert running.returncode == 0, stderr
    rows = {row["tenant"]: row for row in json.loads(stdout)}
    assert {name: rows[name]["outcome"] for name in names} == dict.fromkeys(names, "upgraded")
