"""The service's settings: the real environment first, then the project's own `.env`.

Add your service's own settings beside the database's; `read_setting` finds each the same way.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic_steward.settings import Settings, project_root_of, read_settings

PROJECT_ROOT = project_root_of(Path(__file__).parent)
# The app talks to its database through SQLAlchemy's asyncio engine (template option use_async).
USE_ASYNC = {% if cookiecutter.use_async %}True{% else %}False{% endif %}
{%- if cookiecutter.database == "sqlite" %}
# as_posix: SQLite URLs use forward slashes on every platform.
DEFAULT_DATABASE_URL = f"sqlite:///{(PROJECT_ROOT / '{{ cookiecutter.project_slug }}.db').as_posix()}"
{%- else %}
# No default: a server project silently migrating a local file would hide a missing .env until
# production (an empty value is refused, with advice, when it is used).
DEFAULT_DATABASE_URL = ""
{%- endif %}


@functools.cache
def get_settings() -> Settings:
    """Load the settings once per process: DATABASE_URL and APP_ENV."""
    return read_settings(
        PROJECT_ROOT, default_database_url=DEFAULT_DATABASE_URL, use_async=USE_ASYNC
    )
