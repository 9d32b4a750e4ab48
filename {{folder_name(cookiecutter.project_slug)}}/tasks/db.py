"""The `db` collection: the Alembic workflow, status and guards, runnable from any project folder.

Tasks live in one module per concern; this module only assembles them and sets the defaults a
project may override in `invoke.yaml` or the environment.
"""

from invoke import Collection

from tasks import db_inspect, db_migrate, db_protected, db_status, migration_recovery

ns = Collection(
    "db",
    db_migrate.revision,
    db_migrate.merge,
    db_migrate.upgrade,
    db_migrate.downgrade,
    db_inspect.current,
    db_inspect.heads,
    db_inspect.history,
    db_inspect.show,
    db_inspect.check,
    db_inspect.plan,
    db_inspect.url,
    db_status.status,
    db_protected.stamp,
    db_protected.redo,
    db_protected.reset,
    migration_recovery.clear_migration_mark,
)
# A comma-separated string rather than a list: invoke can override a string from the
# environment (INVOKE_DB_PROTECTED_ENVIRONMENTS=production,staging) but not a list.
# migration_lock_timeout: None leaves env.py's own default (see tasks/invoke_defaults.py).
ns.configure({"db": {"protected_environments": "production", "migration_lock_timeout": None}})
