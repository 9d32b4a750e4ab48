"""The pid of a process on this machine, found by the client address a server names it by.

MySQL/MariaDB name a lock's holder by its connection id and client address (`127.0.0.1:54321`)
alone: unlike PostgreSQL's `application_name` there is nothing a session can set that another
reads back (`performance_schema`, which has the client's pid, is off by default on MariaDB).
When that address is this machine's, the kernel knows the process that owns the socket, as
`ss -tnp` shows it: the one place where a SIGTERM to that pid can be sent anyway. Linux only
(`/proc`); None elsewhere, for another machine's client, or a process this user cannot read.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1", "localhost"})
PROC = Path("/proc")


def local_client_pid(client: str, server_port: int) -> int | None:
    """The pid of this machine's process connected to ``server_port`` from ``client``
    (`host:port` as the server's process list gives it), or None."""
    address, _, port = client.rpartition(":")
    if address.strip("[]") not in LOOPBACK or not port.isdigit():
        return None
    inode = socket_inode(int(port), server_port)
    return None if inode is None else socket_owner(inode)


def socket_inode(local_port: int, remote_port: int) -> str | None:
    """The inode of the TCP socket from ``local_port`` to ``remote_port`` on this machine."""
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (PROC / "net" / table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if port_of(local) == local_port and port_of(remote) == remote_port:
                    return inode
    return None


def port_of(address: str) -> int:
    """The port of a `/proc/net/tcp` address (`0100007F:D431`, hexadecimal)."""
    return int(address.rsplit(":", 1)[1], 16)


def socket_owner(inode: str) -> int | None:
    """The pid whose open files include the socket ``inode`` (its own pid first: the usual
    holder is a runner in this very process, as in a fan-out's)."""
    target = f"socket:[{inode}]"
    pids = [os.getpid()] + [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]
    for pid in pids:
        with contextlib.suppress(OSError):
            for descriptor in (PROC / str(pid) / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(descriptor) == target:
                        return pid
    return None
