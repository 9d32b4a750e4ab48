"""alembic-steward: Alembic migrations for a service, run safely, checked and named briefly.

The public API, all that a service's own files touch:

- :class:`Steward`: the wiring a service builds once in `app/migrations/__init__.py`;
- :mod:`alembic_steward.runtime`: the calls a service's env.py makes, the deploy entry
  (`python -m app.migrations`) and :func:`ensure_up_to_date`, the start-up guard;
- :mod:`alembic_steward.settings`: DATABASE_URL and APP_ENV, from the environment then `.env`;
- :mod:`alembic_steward.tasks`: the invoke `db` collection factory (the `tasks` extra);
- :mod:`alembic_steward.testing`: the pytest plugin and the migration tests it carries.

Everything in a module whose name starts with an underscore is private and may change in any
release.
"""

from alembic_steward._version import __version__
from alembic_steward._wiring import Steward, WiringError
from alembic_steward.engines import sqlite_busy_timeout

# Loaded on first use: these import Alembic, and `inv --list` imports this package.
_LAZY = {
    "DatabaseNotUpToDate": "alembic_steward.runtime._up_to_date",
    "ensure_up_to_date": "alembic_steward.runtime._up_to_date",
    "IrreversibleMigration": "alembic_steward.runtime._irreversible",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'alembic_steward' has no attribute {name!r}")


__all__ = [
    "DatabaseNotUpToDate",
    "IrreversibleMigration",
    "Steward",
    "WiringError",
    "__version__",
    "ensure_up_to_date",
    "sqlite_busy_timeout",
]
