"""PyMySQL's PREFERRED-mode TLS context is built once per process, not on every connect."""

from __future__ import annotations

import os

import pymysql
import pytest
from sqlalchemy import create_engine, pool

from alembic_steward.runtime._bounded_waits import bound_waits
from alembic_steward.runtime._mysql_tls import SharedTlsConnection

# No server is contacted: PyMySQL builds the TLS context in the constructor.
UNCONNECTED = {"host": "127.0.0.1", "user": "nobody", "defer_connect": True}


def needs_preferred_mode() -> None:
    if pymysql.connections.Connection(**UNCONNECTED).ssl is False:
        pytest.skip(f"PyMySQL {pymysql.__version__} makes no TLS context without TLS options")


def test_connections_without_tls_options_share_one_context_where_pymysql_builds_one_each() -> None:
    needs_preferred_mode()
    plain = [pymysql.connections.Connection(**UNCONNECTED) for _ in range(2)]
    assert plain[0].ctx is not plain[1].ctx  # the cost this module exists to avoid
    shared = [SharedTlsConnection(**UNCONNECTED) for _ in range(2)]
    assert shared[0].ctx is shared[1].ctx
    assert shared[0]._ssl_required is False  # still PREFERRED: a server without TLS is fine
    assert shared[0].ctx.verify_mode == plain[0].ctx.verify_mode
    assert shared[0].ctx.check_hostname == plain[0].ctx.check_hostname
    assert shared[0].ctx.options == plain[0].ctx.options
    assert shared[0].ctx.minimum_version == plain[0].ctx.minimum_version


def test_the_shared_context_loads_no_ca_bundle_it_would_never_consult() -> None:
    needs_preferred_mode()
    SharedTlsConnection._preferred_context = None  # as in a fresh process
    connection = SharedTlsConnection(**UNCONNECTED)
    assert connection.ctx.cert_store_stats()["x509_ca"] == 0


def test_a_connection_given_tls_options_gets_the_context_they_describe(tmp_path) -> None:
    import ssl

    needs_preferred_mode()
    authority = ssl.get_default_verify_paths().cafile or os.environ.get("SSL_CERT_FILE")
    if not authority or not os.path.exists(authority):
        pytest.skip("no CA bundle on this machine to name as ssl_ca")
    given = SharedTlsConnection(**UNCONNECTED, ssl_ca=authority, ssl_verify_cert=True)
    preferred = SharedTlsConnection(**UNCONNECTED)
    assert given.ctx is not preferred.ctx
    assert given._ssl_required is True
    assert given.ctx.verify_mode == ssl.CERT_REQUIRED


@pytest.mark.skipif(not os.environ.get("TEST_MYSQL_URL"), reason="TEST_MYSQL_URL is not set")
def test_the_toolkit_s_engines_connect_through_the_shared_context() -> None:
    engine = bound_waits(create_engine(os.environ["TEST_MYSQL_URL"], poolclass=pool.NullPool))
    try:
        connections = [engine.raw_connection() for _ in range(2)]
        drivers = [connection.driver_connection for connection in connections]
        assert all(isinstance(driver, SharedTlsConnection) for driver in drivers)
        if drivers[0].ssl is not False:
            assert drivers[0].ctx is drivers[1].ctx
        for connection in connections:
            connection.close()
    finally:
        engine.dispose()


@pytest.mark.skipif(not os.environ.get("TEST_MYSQL_URL"), reason="TEST_MYSQL_URL is not set")
def test_the_baked_tests_connections_share_it_too() -> None:
    # The stairway and the models-match test connect once per check, in every bake's CI.
    from alembic_steward.testing.plugin import connection_to

    url = os.environ["TEST_MYSQL_URL"]
    with connection_to(url) as first, connection_to(url) as second:
        drivers = [first.connection.driver_connection, second.connection.driver_connection]
    assert all(isinstance(driver, SharedTlsConnection) for driver in drivers)
    if drivers[0].ssl is not False:
        assert drivers[0].ctx is drivers[1].ctx
