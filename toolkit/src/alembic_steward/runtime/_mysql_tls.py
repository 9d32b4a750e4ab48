"""PyMySQL connections that share one TLS context per process in PyMySQL's PREFERRED mode.

With no TLS option given, PyMySQL (since 2.2) tries TLS and falls back to a plain connection,
and builds a fresh ``ssl.create_default_context()`` for it on every connect. That context
verifies nothing (PREFERRED mode sets CERT_NONE), yet building it loads the system's CA bundle:
20 ms of CPU per connection with Debian's bundle, 0.2-0.4 s where SSL_CERT_FILE names a large
one, which a command opening a dozen connections (lock, marks, scratch databases) paid a dozen
times. The context is the same for every such connection, and an SSLContext is made to be
shared, so it is built once; and as it verifies nothing, it is built without loading a CA
bundle it would never consult (every forked or fresh process pays for one build). A connection
given any TLS option gets PyMySQL's own context, as configured.
"""

from __future__ import annotations

import ssl
import threading
from typing import Any

from pymysql.connections import Connection

from alembic_steward.runtime._fork_resets import reset_in_forked_children

__all__ = ["SharedTlsConnection"]

_built = threading.Lock()


def unlock_in_a_forked_child() -> None:
    """A lock another thread held when this process forked stays held in the child."""
    global _built  # noqa: PLW0603 - the module's one lock, replaced whole
    _built = threading.Lock()


reset_in_forked_children(unlock_in_a_forked_child)


class SharedTlsConnection(Connection):
    """``pymysql.connections.Connection`` whose PREFERRED-mode TLS context is built once."""

    _preferred_context: ssl.SSLContext | None = None

    def _create_ssl_ctx(self, sslp: Any) -> ssl.SSLContext:
        if sslp != {}:  # TLS options given: PyMySQL builds the context they describe
            return super()._create_ssl_ctx(sslp)
        with _built:
            if SharedTlsConnection._preferred_context is None:
                SharedTlsConnection._preferred_context = unverified_context()
            return SharedTlsConnection._preferred_context


def unverified_context() -> ssl.SSLContext:
    """The context PyMySQL builds for PREFERRED mode (no certificate nor host name checked),
    less the CA bundle ``ssl.create_default_context`` loads and CERT_NONE never reads."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    # As PyMySQL does: Python 3.13's strict X.509 checks refuse MySQL's self-made certificates.
    context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    return context


def sharing_tls(engine: Any) -> Any:
    """``engine`` (a blocking Engine), its PyMySQL connections made as SharedTlsConnection: for
    the engines that connect without :func:`~alembic_steward.runtime._bounded_waits.bound_waits`
    (which does the same with its timeouts). Any other driver's engine is returned as it is."""
    from sqlalchemy import event

    if engine.dialect.driver == "pymysql":
        event.listen(engine, "do_connect", connected)
    return engine


def connected(_dialect: Any, _record: Any, cargs: list, cparams: dict) -> SharedTlsConnection:
    """SQLAlchemy's do_connect hook: the connection made with these arguments."""
    return SharedTlsConnection(*cargs, **cparams)
