"""The pytest plugin and the migration tests it carries.

Switch it on in a service's `testing/_fixtures.py`::

    pytest_plugins = ["alembic_steward.testing.plugin"]

and run the migration tests by importing them into a test module (see
:mod:`alembic_steward.testing.checks`). The plugin's fixtures: ``database_url`` and
``connection`` (an empty database of the test's own), ``alembic_config`` (the project's config
on that connection), ``migrated_connection`` (one database migrated to head for the session),
``db_session`` (a session on it whose writes are rolled back), ``async_db_session`` (the same
through the app's asyncio driver; needs pytest-asyncio), ``script`` and ``stairway``.
"""

from alembic_steward.testing._async_session import async_session_rolled_back_after
from alembic_steward.testing.plugin import (
    connection_to,
    fresh_database,
    session_rolled_back_after,
)

__all__ = [
    "async_session_rolled_back_after",
    "connection_to",
    "fresh_database",
    "session_rolled_back_after",
]
