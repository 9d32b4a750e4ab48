"""What a service's env.py calls: each of Alembic's generic steps, plus one named addition.

- :func:`database_url`: the URL from the app's settings (never from alembic.ini);
- :func:`context_options`: the options every ``context.configure`` shares (autogenerate
  review, SQLite batch mode, the bookkeeping tables kept out of autogenerate, the wiring's
  own ``context_options``);
- :func:`migration_run`: around one online run, the migration lock, one transaction per
  migration (a half-applied mark on MySQL/MariaDB), revision checksums, the raw-command guard
  for protected databases, and Ctrl-C that never leaves bookkeeping half-done;
- :func:`phase_of_new_revision`: the ``phase`` line script.py.mako writes (expand or
  contract, runtime/_phase_labels.py);
- :func:`run_online`: a connection handed in by a caller, else one of the app's engine,
  blocking or asyncio as its settings say.
"""

from __future__ import annotations

# Loaded on first use: a service's start-up guard imports this package, and the deploy entry
# and env.py's calls import all of Alembic, which a database at head never needs.
_LAZY = {
    "DatabaseNotUpToDate": ("alembic_steward.runtime._up_to_date", "DatabaseNotUpToDate"),
    "IrreversibleMigration": ("alembic_steward.runtime._irreversible", "IrreversibleMigration"),
    "context_options": ("alembic_steward.runtime._env", "context_options"),
    "database_url": ("alembic_steward.runtime._env", "database_url"),
    "deploy_main": ("alembic_steward.runtime._deploy", "main"),
    "ensure_up_to_date": ("alembic_steward.runtime._up_to_date", "ensure_up_to_date"),
    "make_sqlite_ddl_transactional": (
        "alembic_steward.runtime._transactions",
        "make_sqlite_ddl_transactional",
    ),
    "migration_run": ("alembic_steward.runtime._env", "migration_run"),
    "phase_of_new_revision": ("alembic_steward.runtime._phase_labels", "phase_of_new_revision"),
    "run_online": ("alembic_steward.runtime._env", "run_online"),
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'alembic_steward.runtime' has no attribute {name!r}")


__all__ = [
    "DatabaseNotUpToDate",
    "IrreversibleMigration",
    "context_options",
    "database_url",
    "deploy_main",
    "ensure_up_to_date",
    "make_sqlite_ddl_transactional",
    "migration_run",
    "phase_of_new_revision",
    "run_online",
]
