"""The `db` collection: the Alembic workflow, status and guards, runnable from any project folder.

Tasks live in one module per concern; this module only assembles them and sets the defaults a
project may override in `invoke.yaml` or the environment.
"""

from invoke import Collection

from tasks.db import (
    environment,
    inspection,
    lifecycle,
    lint,
    migrate,
    protected,
    recovery,
    seed,
    shell,
    status,
)

ns = Collection(
    "db",
    migrate.revision,
    migrate.merge,
    migrate.upgrade,
    migrate.downgrade,
    inspection.current,
    inspection.heads,
    inspection.history,
    inspection.show,
    inspection.check,
    inspection.plan,
    inspection.url,
    lint.lint,
    status.status,
    protected.stamp,
    protected.redo,
    protected.reset,
    recovery.clear_migration_mark,
    lifecycle.create,
    lifecycle.drop,
    lifecycle.setup,
    lifecycle.wait,
    shell.shell,
    seed.seed,
    environment.set_environment,
)
# A comma-separated string rather than a list: invoke can override a string from the
# environment (INVOKE_DB_PROTECTED_ENVIRONMENTS=production,staging) but not a list.
# migration_lock_timeout: None leaves env.py's own default (see tasks/db/invoke_defaults.py).
ns.configure({"db": {"protected_environments": "production", "migration_lock_timeout": None}})
