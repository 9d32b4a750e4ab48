"""Where each tenant stood when its run began, told by its worker to the fan-out's parent.

A worker that dies (SIGKILL, out of memory, a crash in a driver) sends no outcome: the parent
reads the tenant's state afterwards (runtime/_tenant_stops.py), which is where the run left it,
not where it began, and the report's `from` was "?". So each worker sends the revisions it read,
before it migrates anything, down a pipe the parent reads whenever it wakes.

Each message is one write of well under PIPE_BUF bytes, which the system keeps whole: no lock
between the workers, so one killed mid-write cannot leave the others waiting on it. A tenant
with no message had migrated nothing yet (its worker died before its first read): the state
read afterwards is then where it began too.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

# The writing end in a worker (set by its initializer); none in-process (`tenant-create`).
_to_parent: list[Any] = []


def tell_parent_through(writer: Any) -> None:
    """In a worker: send each tenant's revisions read before its run on ``writer``."""
    _to_parent[:] = [writer] if writer is not None else []


def tell_parent(tenant: str, before: tuple[str, ...]) -> None:
    """Send ``tenant``'s revisions read before its run, and this worker's pid, if a parent
    listens."""
    import os

    if not _to_parent:
        return
    # A parent gone (its pipe closed) reads no report either: the tenant's run goes on.
    with contextlib.suppress(OSError):
        _to_parent[0].send_bytes(json.dumps([tenant, list(before), os.getpid()]).encode())


class TenantStarts:
    """The parent's side: the pipe's two ends, and each tenant's revisions as its worker read
    them before running, and that worker's pid (by tenant name)."""

    def __init__(self, context: Any) -> None:
        self.reader, self.writer = context.Pipe(duplex=False)
        self.read: dict[str, tuple[str, ...]] = {}
        self.pids: dict[str, int] = {}

    def collect(self) -> dict[str, tuple[str, ...]]:
        """Take every message sent so far (a full pipe would stop the workers); return all."""
        while self.reader.poll():
            tenant, before, pid = json.loads(self.reader.recv_bytes())
            self.read[tenant] = tuple(before)
            self.pids[tenant] = pid
        return self.read

    def worker_pid(self, tenant: str) -> int | None:
        """The pid of the worker that last began ``tenant``'s run, None when it sent none."""
        self.collect()
        return self.pids.get(tenant)

    def before(self, tenant: str) -> tuple[str, ...] | None:
        """``tenant``'s revisions read before its run, None when its worker sent none."""
        return self.collect().get(tenant)

    def close(self) -> None:
        self.reader.close()
        self.writer.close()
