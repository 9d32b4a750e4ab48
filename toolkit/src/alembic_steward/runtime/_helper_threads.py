"""The toolkit's own threads never take SIGINT or SIGTERM: those go to the main thread.

The kernel gives a signal sent to a process to any of its threads that does not block it.
Taken by a helper thread (the read watchdog, the lock heartbeat), Python only notes it, and
runs the handler when the main thread next runs Python code: a main thread asleep in a
migration's ``time.sleep`` or waiting on the database would go on waiting, and Ctrl-C or
Kubernetes' SIGTERM would not stop the run until that wait ended by itself.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def leave_stop_signals_to_the_main_thread() -> None:
    """Block SIGINT and SIGTERM in the calling thread (a helper's first call; a pool's
    initializer)."""
    if hasattr(signal, "pthread_sigmask"):  # POSIX; Windows delivers them to the main thread
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def helper_thread(target: Callable[[], object], name: str) -> threading.Thread:
    """A daemon thread running ``target`` with SIGINT and SIGTERM blocked (not started)."""

    def run() -> None:
        leave_stop_signals_to_the_main_thread()
        target()

    return threading.Thread(target=run, name=name, daemon=True)
