"""Empty PostgreSQL databases made ahead of the tests that take them, and dropped behind them.

A PostgreSQL CREATE DATABASE copies a template and a DROP removes its files: each takes a
quarter to over a second on a busy machine, mostly waiting on the disk, not the processor.
Every test that takes a fresh PostgreSQL database paid both in its own time; a thread of each
test process now makes the next few while tests run, and drops the used ones behind them.
Each test still gets a database no other test has touched, made by CREATE DATABASE.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Callable

# How many databases wait ready: the next test's, and one more for a test that takes two.
AHEAD = 2
# A take waits this long for the thread before the test fails, saying so.
TAKE_TIMEOUT_SECONDS = 300


class DatabasePool:
    """Databases named ``safety_<random>`` made ahead on a server, by one background thread.

    ``execute(sql)`` runs one autocommit statement on the server (a new admin connection each
    time is fine: the thread's own pace hides it). Creation errors reach the taker.
    """

    def __init__(self, execute: Callable[[str], None], ahead: int = AHEAD) -> None:
        self._execute = execute
        self._ahead = ahead
        self._ready: deque[str] = deque()
        self._failures: deque[BaseException] = deque()
        self._to_drop: deque[str] = deque()
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._work, name="database-pool", daemon=True)
        self._thread.start()

    def take(self) -> str:
        """The name of a new, empty database, made for the caller alone."""
        with self._changed:
            if not self._changed.wait_for(
                lambda: self._ready or self._failures, timeout=TAKE_TIMEOUT_SECONDS
            ):
                raise TimeoutError(f"no database was made in {TAKE_TIMEOUT_SECONDS} s")
            if self._failures:
                raise self._failures.popleft()
            name = self._ready.popleft()
            self._changed.notify_all()
            return name

    def give_back(self, name: str) -> None:
        """Drop ``name`` in the background (its test is over: nothing may still use it)."""
        with self._changed:
            self._to_drop.append(name)
            self._changed.notify_all()

    def close(self) -> None:
        """Drop every database made and given back, and wait for it."""
        with self._changed:
            self._closing = True
            self._to_drop.extend(self._ready)
            self._ready.clear()
            self._changed.notify_all()
        self._thread.join()

    def _next_task(self) -> tuple[str, str] | None:
        with self._changed:
            while True:
                # Making comes first: a test may be waiting for it; drops can wait.
                if not self._closing and len(self._ready) + len(self._failures) < self._ahead:
                    return ("CREATE", f"safety_{secrets.token_hex(6)}")
                if self._closing and self._ready:
                    # Made while the pool closed (its CREATE was under way): dropped too.
                    self._to_drop.extend(self._ready)
                    self._ready.clear()
                if self._to_drop:
                    return ("DROP", self._to_drop.popleft())
                if self._closing:
                    return None
                self._changed.wait()

    def _work(self) -> None:
        while (task := self._next_task()) is not None:
            verb, name = task
            try:
                if verb == "CREATE":
                    self._execute(f"CREATE DATABASE {name}")
                else:
                    self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            except BaseException as error:  # noqa: BLE001 - a failed make reaches the taker
                with self._changed:
                    if verb == "CREATE":
                        self._failures.append(error)
                    self._changed.notify_all()
                continue
            with self._changed:
                if verb == "CREATE":
                    self._ready.append(name)
                self._changed.notify_all()
