"""A TCP proxy in a thread of the test process that can be told to stall, as a network can.

Stalled, it forwards nothing more but keeps every socket open: neither end sees the other
leave, and TCP keepalives still get their answers from this machine's kernel, just as through
a NAT gateway or a proxy that hangs. So only the client's own deadlines and the server's
session timeouts can end what waits on it.
"""

from __future__ import annotations

import selectors
import socket
import threading
from urllib.parse import urlsplit, urlunsplit


class StallingProxy:
    """Forward 127.0.0.1:``port`` to ``target``; ``hold_new``: accept connections, forward none.

    Use as a context manager: leaving it closes every socket it kept.
    """

    def __init__(self, target: tuple[str, int], *, hold_new: bool = False) -> None:
        self.target = target
        self.hold_new = hold_new
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.wake_reader, self.wake_writer = socket.socketpair()
        self.selector.register(self.wake_reader, selectors.EVENT_READ)
        self.peers: dict[socket.socket, socket.socket] = {}
        self.kept: list[socket.socket] = []
        self.stall_requested = threading.Event()
        self.stalled = threading.Event()
        self.closing = False
        self.thread = threading.Thread(target=self.run, name="stalling proxy", daemon=True)

    @classmethod
    def to(cls, url: str, *, hold_new: bool = False) -> StallingProxy:
        """A proxy to the server of the database URL ``url``."""
        parts = urlsplit(url)
        default_port = 5432 if parts.scheme.startswith("postgresql") else 3306
        return cls((parts.hostname or "127.0.0.1", parts.port or default_port), hold_new=hold_new)

    def url_through(self, url: str) -> str:
        """``url`` with its host and port replaced by this proxy's."""
        parts = urlsplit(url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def __enter__(self) -> StallingProxy:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.closing = True
        self.wake_writer.send(b"x")
        self.thread.join()
        for connection in [*self.kept, self.listener, self.wake_reader, self.wake_writer]:
            connection.close()

    def stall(self) -> None:
        """Stop forwarding on every connection open now (later ones are forwarded); wait for it."""
        self.stall_requested.set()
        self.wake_writer.send(b"x")
        self.stalled.wait()

    def run(self) -> None:
        while not self.closing:
            for key, _events in self.selector.select(timeout=1.0):
                connection = key.fileobj
                if connection is self.wake_reader:
                    self.wake_reader.recv(16)
                    if self.stall_requested.is_set() and not self.stalled.is_set():
                        for held in self.peers:
                            self.selector.unregister(held)
                        self.peers.clear()
                        self.stalled.set()
                elif connection is self.listener:
                    self.accept()
                elif connection in self.peers:
                    self.forward(connection)

    def accept(self) -> None:
        client, _address = self.listener.accept()
        self.kept.append(client)
        if self.hold_new:
            return  # open, and never answered
        try:
            server = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        self.kept.append(server)
        self.peers[client], self.peers[server] = server, client
        self.selector.register(client, selectors.EVENT_READ)
        self.selector.register(server, selectors.EVENT_READ)

    def forward(self, connection: socket.socket) -> None:
        other = self.peers[connection]
        try:
            data = connection.recv(65536)
            if data:
                other.sendall(data)
                return
        except OSError:
            pass
        # One end left (before any stall): let the other end see it too.
        for end in (connection, other):
            self.selector.unregister(end)
            del self.peers[end]
            end.close()
            self.kept.remove(end)
