"""Hand project defaults kept in invoke config to code that reads only the environment.

env.py also runs under raw `alembic`, so it reads MIGRATION_LOCK_TIMEOUT from the environment
and `.env`; `invoke.yaml` (`db.migration_lock_timeout`) supplies the project default under both.
It reads INVOKE_DB_PROTECTED_ENVIRONMENTS too, which the tasks hide from invoke as it starts.
"""

from __future__ import annotations

import os

from invoke import Context

LOCK_TIMEOUT_VARIABLE = "MIGRATION_LOCK_TIMEOUT"


def export_invoke_defaults(c: Context) -> None:
    """Export `db.migration_lock_timeout` unless already set; give back the protected list."""
    from alembic_steward.tasks._protection import restore_protected_list_variable

    restore_protected_list_variable()
    timeout = c.config.get("db", {}).get("migration_lock_timeout")
    if timeout is None or os.environ.get(LOCK_TIMEOUT_VARIABLE):
        return
    from alembic_steward._wiring import read_env_file

    if read_env_file().get(LOCK_TIMEOUT_VARIABLE):
        return
    # Only this process and its children (post-write hooks) see it.
    os.environ[LOCK_TIMEOUT_VARIABLE] = str(timeout)
