"""Hand project defaults kept in invoke config to code that reads only the environment.

env.py also runs under raw `alembic`, so it reads MIGRATION_LOCK_TIMEOUT, DDL_LOCK_TIMEOUT and
DDL_STATEMENT_TIMEOUT from the environment and `.env`; `invoke.yaml` (`db.migration_lock_timeout`,
`db.ddl_lock_timeout`, `db.ddl_statement_timeout`) supplies the project default under both.
It reads INVOKE_DB_PROTECTED_ENVIRONMENTS too, which the tasks hide from invoke as it starts.
"""

from __future__ import annotations

import os

from invoke import Context

LOCK_TIMEOUT_VARIABLE = "MIGRATION_LOCK_TIMEOUT"
# Each invoke setting under `db`, and the variable env.py reads it from.
EXPORTED_SETTINGS = {
    "migration_lock_timeout": LOCK_TIMEOUT_VARIABLE,
    "ddl_lock_timeout": "DDL_LOCK_TIMEOUT",
    "ddl_statement_timeout": "DDL_STATEMENT_TIMEOUT",
}


def export_invoke_defaults(c: Context) -> None:
    """Export the `db` timeouts invoke.yaml sets, unless set already; restore the protected list."""
    from alembic_steward.tasks._protection import restore_protected_list_variable

    restore_protected_list_variable()
    configured = c.config.get("db", {})
    for setting, variable in EXPORTED_SETTINGS.items():
        value = configured.get(setting)
        if value is None or os.environ.get(variable):
            continue
        from alembic_steward._wiring import read_env_file

        if read_env_file().get(variable):
            continue
        # Only this process and its children (post-write hooks) see it.
        os.environ[variable] = str(value)
