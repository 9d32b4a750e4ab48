"""PyMySQL's default TLS context is built once per process; one with options stays its own."""

from __future__ import annotations

import pymysql

from alembic_steward.runtime._pymysql_contexts import share_default_tls_context


def unconnected(**options: object) -> pymysql.connections.Connection:
    # defer_connect: PyMySQL builds the context in __init__, before any server is needed.
    return pymysql.connections.Connection(host="127.0.0.1", defer_connect=True, **options)


def test_connections_without_ssl_options_share_one_context_and_others_do_not() -> None:
    share_default_tls_context(pymysql.connections.Connection)
    share_default_tls_context(pymysql.connections.Connection)  # twice: still one wrapper
    first, second = unconnected(), unconnected()
    assert first.ctx is second.ctx
    assert first.ssl and not first._ssl_required  # still "preferred", as PyMySQL made it
    own = unconnected(ssl={"check_hostname": False, "verify_mode": False})
    assert own._ssl_required and own.ctx is not first.ctx
