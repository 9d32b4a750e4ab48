"""Every command that connects to a server removes the scratch databases killed runs left there.

A scratch build sweeps before it creates its own (inspection/_scratch_database.py), but most
commands build none (a warm `db.status`, a `db.current`), and a leftover a killed run's
statement still kept when the last build swept would stay until some later command built one.
So the first connection a command makes to a database sends one more statement, listing the
server's databases named like that database's scratch ones; only when it finds some does the
command take a session of its own to read their locks and drop those whose run is gone, by the
same rule as a build's sweep (inspection/_left_scratch_databases.py): never a live run's.
"""

from __future__ import annotations

import contextlib
from typing import Any

# Set on an engine that sweeps at its first connection.
SWEEPS = "_alembic_steward_sweeps_left_scratch_databases"
# The databases (URL without password) this process has swept: one statement a command, not a
# connection. Never emptied: a leftover made later is a live run's or the next command's.
_swept: set[str] = set()


def sweep_at_first_connection(engine: Any) -> None:
    """Sweep what killed runs left beside ``engine``'s database (PostgreSQL, MySQL/MariaDB) on
    the first connection this process makes to it. Safe to call again on the same engine."""
    from sqlalchemy import event

    engine = getattr(engine, "sync_engine", engine)
    if engine.dialect.name not in ("postgresql", "mysql") or getattr(engine, SWEEPS, False):
        return
    url = engine.url

    def swept(dbapi_connection: Any, _record: Any) -> None:
        key = url.render_as_string(hide_password=True)
        if key not in _swept:
            _swept.add(key)
            sweep_beside(dbapi_connection, url)

    event.listen(engine, "connect", swept)
    setattr(engine, SWEEPS, True)


def sweep_beside(dbapi_connection: Any, url: Any) -> list[str]:
    """List the scratch-shaped databases beside ``url``'s on ``dbapi_connection``, idle after;
    when there are some, remove those killed runs left over a session of its own; return the
    names removed. Best effort: a failure removes nothing, and the command goes on."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.inspection._left_scratch_databases import (
        candidates_statement,
        remove_left_scratch_databases,
        scratch_shape,
    )
    from alembic_steward.runtime._server_databases import admin_engine
    from alembic_steward.runtime._session_statements import session_statement

    dialect = url.get_backend_name()
    try:
        rows = session_statement(dbapi_connection, candidates_statement(dialect, url.database))
    except Exception:  # noqa: BLE001 - the driver's own error class: the command says what is wrong
        # PostgreSQL refuses every statement after a failed one until the transaction ends; a
        # connection that cannot even roll back fails the command's first statement instead.
        with contextlib.suppress(Exception):
            dbapi_connection.rollback()
        return []
    shaped = scratch_shape(url.database)
    if not any(shaped.fullmatch(name) for (name, *_) in rows):
        return []
    # Its own autocommit session: DROP DATABASE runs in no transaction, and the command's
    # connection stays as its engine made it.
    admin = admin_engine(url)
    try:
        with admin.connect() as connection:
            return remove_left_scratch_databases(connection, url.database)
    except DBAPIError:
        return []
    finally:
        admin.dispose()
