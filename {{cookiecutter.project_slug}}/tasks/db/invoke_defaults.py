"""Hand project defaults kept in invoke config to code that reads only the environment.

env.py also runs under raw `alembic`, so it reads MIGRATION_LOCK_TIMEOUT from the environment
and `.env`; `invoke.yaml` (`db.migration_lock_timeout`) supplies the project default under both.
"""

from __future__ import annotations

import os

from invoke import Context

LOCK_TIMEOUT_VARIABLE = "MIGRATION_LOCK_TIMEOUT"


def export_invoke_defaults(c: Context) -> None:
    """Export `db.migration_lock_timeout` unless the environment or `.env` already set it."""
    timeout = c.config.get("db", {}).get("migration_lock_timeout")
    if timeout is None or os.environ.get(LOCK_TIMEOUT_VARIABLE):
        return
    from app.settings import read_env_file

    if read_env_file().get(LOCK_TIMEOUT_VARIABLE):
        return
    # Only this process and its children (post-write hooks) see it.
    os.environ[LOCK_TIMEOUT_VARIABLE] = str(timeout)
