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
