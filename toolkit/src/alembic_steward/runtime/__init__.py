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

from alembic_steward.runtime._deploy import main as deploy_main
from alembic_steward.runtime._env import (
    context_options,
    database_url,
    migration_run,
    run_online,
)
from alembic_steward.runtime._irreversible import IrreversibleMigration
from alembic_steward.runtime._phase_labels import phase_of_new_revision
from alembic_steward.runtime._transactions import make_sqlite_ddl_transactional
from alembic_steward.runtime._up_to_date import DatabaseNotUpToDate, ensure_up_to_date

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
