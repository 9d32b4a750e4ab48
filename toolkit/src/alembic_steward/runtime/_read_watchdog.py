"""End a wait for the server's answer that outlasts its deadline, by closing the socket under it.

psycopg (blocking and asyncio) and aiomysql have no read timeout of their own: a statement sent
into a connection that stalls (a frozen server, a proxy or NAT that keeps the socket open but
forwards nothing) waits for ever, and TCP keepalives cannot tell, because the proxy's own
kernel answers them. One thread per process watches every armed wait; when a deadline passes
it shuts the socket down, so the driver's wait ends at once in its own "connection lost" error.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from alembic_steward.runtime._fork_resets import reset_in_forked_children
from alembic_steward.runtime._helper_threads import helper_thread

__all__ = ["Watch", "watching"]


@dataclass
class Watch:
    """One armed wait: the socket's descriptor, its deadline (monotonic s) and whether it fired."""

    fd: int
    deadline: float
    fired: bool = field(default=False)


class Watchdog:
    """The process's one watcher thread, started on first use."""

    def __init__(self) -> None:
        self.start_afresh()

    def start_afresh(self) -> None:
        """Forget every armed wait, the lock and the thread: a forked child's start, whose
        parent's watcher thread may have held the lock at the fork (and who must never shut
        down the parent's sockets, which it shares)."""
        self.armed: dict[int, Watch] = {}
        self.condition = threading.Condition()
        self.tokens = itertools.count()
        self.thread: threading.Thread | None = None
        # When the watcher wakes by itself (None: only when woken).
        self.wakes_at: float | None = None

    def arm(self, fd: int, seconds: float) -> tuple[int, Watch]:
        watch = Watch(fd, time.monotonic() + seconds)
        with self.condition:
            token = next(self.tokens)
            self.armed[token] = watch
            if self.thread is None or not self.thread.is_alive():
                self.thread = helper_thread(self.run, "alembic-steward read deadlines")
                self.thread.start()
            elif self.wakes_at is None or watch.deadline < self.wakes_at:
                # Woken only for a deadline sooner than its own: statement after statement
                # comes later than the last one's, so the watcher sleeps through them.
                self.condition.notify()
        return token, watch

    def disarm(self, token: int) -> None:
        try:
            with self.condition:
                self.armed.pop(token, None)
        except BaseException:
            # A signal's exception raised as the lock was taken: forget the wait all the same
            # (one dict pop is atomic), or its deadline would later shut down whatever socket
            # reuses the descriptor, such as the connection that reads the state after a stop.
            self.armed.pop(token, None)
            raise

    def run(self) -> None:
        with self.condition:
            while True:
                now = time.monotonic()
                for token, watch in list(self.armed.items()):
                    # Under the lock: a wait disarmed in time is never cut (popped: a disarm
                    # ended by a signal may have forgotten it without the lock).
                    if watch.deadline <= now and self.armed.pop(token, None) is not None:
                        watch.fired = True
                        shut_down(watch.fd)
                soonest = min((watch.deadline for watch in self.armed.values()), default=None)
                self.wakes_at = soonest
                self.condition.wait(None if soonest is None else max(soonest - now, 0.01))


def shut_down(fd: int) -> None:
    """Shut the socket ``fd`` down both ways, leaving the descriptor to its owner to close."""
    try:
        # shutdown() acts on the socket, not the descriptor: a duplicate reaches the same one.
        with socket.socket(fileno=os.dup(fd)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed meanwhile, or not a socket: nothing is waiting on it any more


WATCHDOG = Watchdog()
reset_in_forked_children(WATCHDOG.start_afresh)


@contextmanager
def watching(fd: int, seconds: float) -> Iterator[Watch]:
    """Shut the socket ``fd`` down if the block is still running after ``seconds``."""
    token, watch = WATCHDOG.arm(fd, seconds)
    try:
        yield watch
    finally:
        WATCHDOG.disarm(token)
