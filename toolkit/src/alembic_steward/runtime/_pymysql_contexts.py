"""Build PyMySQL's default TLS context once per process, not once per connection.

PyMySQL (1.2) tries TLS on every connection that names no SSL option ("preferred": encrypted
when the server offers it, plain otherwise) and builds that context afresh each time, loading
the system's certificate store: about 80 ms of CPU per connection on a small machine, and a
migration run opens three (its own, the lock's, the in-progress mark's). The context built for
"no options" is the same every time (it verifies nothing: no CA was named), so one serves every
such connection; a connection with SSL options of its own still gets a context of its own.
"""

from __future__ import annotations

from typing import Any

SHARED = "_alembic_steward_shared_default_context"


def share_default_tls_context(connection_class: type) -> None:
    """Make ``connection_class`` (PyMySQL's Connection) reuse its no-options TLS context."""
    original = getattr(connection_class, "_create_ssl_ctx", None)
    if original is None or getattr(original, SHARED, False):
        return  # another PyMySQL, or done already
    built: list[Any] = []

    def create_ssl_ctx(connection: Any, sslp: Any) -> Any:
        if not isinstance(sslp, dict) or sslp:
            return original(connection, sslp)
        if not built:
            built.append(original(connection, sslp))
        return built[0]

    setattr(create_ssl_ctx, SHARED, True)
    connection_class._create_ssl_ctx = create_ssl_ctx
