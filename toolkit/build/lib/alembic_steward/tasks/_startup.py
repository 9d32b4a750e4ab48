"""Load Alembic and SQLAlchemy for a `db` task the way a short-lived command should.

Importing them builds about 115,000 long-lived objects (classes, functions, dicts).
Python's cyclic garbage collector walks them again and again while they load, and once more
when the interpreter exits; in `alembic current` that is about a quarter of the run. A task
process ends when its task does, so those objects live until exit anyway: loading them with
the collector paused and then freezing them (`gc.freeze`) skips that work, and the collector
is back on for everything the task itself does.

Only the `inv` process does this: env.py also runs inside the application, where freezing
would exempt the service's own objects from collection for its whole life.
"""

from __future__ import annotations

import functools
import gc


# Once per process: `inv db.upgrade db.current` runs two tasks, and a second freeze would also
# freeze what the first task left behind, which the collector should still see.
@functools.cache
def import_migration_libraries() -> None:
    """Import Alembic and SQLAlchemy with the collector paused, then freeze what they built."""
    gc.disable()
    try:
        import alembic.command  # noqa: F401
        import sqlalchemy.orm  # noqa: F401
    finally:
        gc.freeze()
        gc.enable()
