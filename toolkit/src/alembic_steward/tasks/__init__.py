"""The invoke tasks a service's `tasks/__init__.py` assembles (needs the `tasks` extra).

- :func:`db_collection` builds the `db` collection (`inv db.upgrade`, `inv db.status`, ...)
  for a service's wiring;
- :data:`test`, :data:`lint` and :data:`format_code` are `inv test`, `inv lint`, `inv format`;
- :func:`prepare_invoke` makes invoke's own failures end in one line and refuses, in one line,
  a Python that is not the project's virtualenv.

Every task module imports Alembic and SQLAlchemy only when its task runs, so `inv --list` and
shell completion stay fast.
"""

from alembic_steward.tasks._code_style import format_code, lint
from alembic_steward.tasks._collection import db_collection
from alembic_steward.tasks._project_check import prepare_invoke
from alembic_steward.tasks._test import test

__all__ = ["db_collection", "format_code", "lint", "prepare_invoke", "test"]
