"""The fixture service's settings; FIXTURE_ASYNC=1 makes it an asyncio service.

FIXTURE_SERVER_PROJECT=1 makes it a server project (a bake with database=postgresql or mysql):
no default URL, so DATABASE_URL must be set.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from alembic_steward.settings import Settings, project_root_of, read_settings

PROJECT_ROOT = project_root_of(Path(__file__).parent)
# One fixture for both kinds of service the template bakes (its option use_async).
USE_ASYNC = os.environ.get("FIXTURE_ASYNC") == "1"
DEFAULT_DATABASE_URL = f"sqlite:///{(PROJECT_ROOT / 'fixture_service.db').as_posix()}"
# A server bake has no default: an empty value is refused, with advice, when it is used.
if os.environ.get("FIXTURE_SERVER_PROJECT") == "1":
    DEFAULT_DATABASE_URL = ""


@functools.cache
def get_settings() -> Settings:
    """Load the settings once per process: DATABASE_URL and APP_ENV."""
    return read_settings(
        PROJECT_ROOT, default_database_url=DEFAULT_DATABASE_URL, use_async=USE_ASYNC
    )
