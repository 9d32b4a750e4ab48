"""Empty PostgreSQL databases made ahead of the tests that take them, and dropped behind them.

A PostgreSQL CREATE DATABASE copies a template and a DROP removes its files: each takes a
quarter to over a second on a busy machine, mostly waiting on the disk, not the processor.
Every test that takes a fresh PostgreSQL database paid both in its own time; a thread of each
test process now makes the next few while tests run, and drops the used ones behind them.
Each test still gets a database no other test has touched, made by CREATE DATABASE.

Used databases are dropped in batches, not one by one: every DROP DATABASE makes PostgreSQL
write a checkpoint, which flushes every other test's dirty buffers too. Drops run back to back
leave the later checkpoints almost nothing to write (docs/decisions.md, "PostgreSQL test
databases are dropped in batches").
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from collections.abc import Callable

# How many databases wait ready: the next test's, and one more for a test that takes two.
AHEAD = 2
# Used databases wait until this many have gathered (or the pool closes), then all are dropped:
# a few hundred megabytes of disk at most per test process.
DROP_BATCH = 40
# A take waits this long for the thread before the test fails, saying so.
TAKE_TIMEOUT_SECONDS = 300


class DatabasePool:
    """Databases named ``safety_<random>`` made ahead on a server, by one background thread.

    ``execute(sql)`` runs one autocommit statement on the server (a new admin connection each
    time is fine: the thread's own pace hides it). Creation errors reach the taker.
    """

    def __init__(
        self, execute: Callable[[str], None], ahead: int = AHEAD, drop_batch: int = DROP_BATCH
    ) -> None:
        self._execute = execute
        self._ahead = ahead
        self._drop_batch = drop_batch
        self._dropping = False
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
        """Drop ``name`` in the background, with the next batch (its test is over: nothing may
        still use it)."""
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
                # A batch, once begun, is dropped whole: its checkpoints follow one another.
                if len(self._to_drop) >= self._drop_batch:
                    self._dropping = True
                if self._to_drop and (self._dropping or self._closing):
                    return ("DROP", self._to_drop.popleft())
                self._dropping = False
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
