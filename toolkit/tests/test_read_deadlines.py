"""The read deadline behind DATABASE_READ_TIMEOUT for drivers without one (psycopg, aiomysql).

A socket pair stands in for a connection whose server never answers: without the deadline
each `recv` below would wait for ever.
"""

from __future__ import annotations

import socket

from alembic_steward.runtime._read_watchdog import watching


def test_a_wait_past_its_deadline_ends_with_the_socket_shut_down() -> None:
    client, server = socket.socketpair()
    with client, server, watching(client.fileno(), 0.2) as watch:
        assert client.recv(10) == b""  # what a closed connection reads
    assert watch.fired


def test_a_sooner_deadline_armed_under_a_later_one_still_ends_the_wait() -> None:
    client, server = socket.socketpair()
    with client, server, watching(client.fileno(), 300), watching(client.fileno(), 0.2) as soon:
        assert client.recv(10) == b""
    assert soon.fired


def test_an_answer_within_the_deadline_leaves_the_connection_usable() -> None:
    client, server = socket.socketpair()
    with client, server:
        server.sendall(b"answer")
        with watching(client.fileno(), 300) as watch:
            assert client.recv(10) == b"answer"
        assert not watch.fired
        server.sendall(b"again")
        assert client.recv(10) == b"again"


class InterruptedOnEntry:
    """A lock whose taking is interrupted, as a signal's exception can be at that bytecode."""

    def __enter__(self) -> None:
        raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        pass


def test_a_signal_while_disarming_still_disarms_so_the_deadline_never_cuts_a_reused_socket(
    monkeypatch,
) -> None:
    from alembic_steward.runtime._read_watchdog import WATCHDOG

    left, right = socket.socketpair()
    with left, right:
        token, _ = WATCHDOG.arm(left.fileno(), 3600)
        real = WATCHDOG.condition
        monkeypatch.setattr(WATCHDOG, "condition", InterruptedOnEntry())
        try:
            WATCHDOG.disarm(token)
        except KeyboardInterrupt:
            pass
        finally:
            monkeypatch.setattr(WATCHDOG, "condition", real)
        # Still armed, the descriptor's next owner would be shut down at the deadline.
        assert token not in WATCHDOG.armed
