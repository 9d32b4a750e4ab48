"""Read the service's settings: the real environment first, then the project's own `.env`."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from app.database_urls import hide_password, lasting_database_url, parse_url, with_driver

PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def running_from_checkout() -> bool:
    """Tell whether the app runs from its project folder rather than from an installed wheel."""
    # Only a checkout has the project's pyproject.toml beside app/; a wheel ships app/ alone.
    return (PACKAGE_PARENT / "pyproject.toml").is_file()


# An installed service finds `.env` and its default SQLite file in the folder it runs from.
PROJECT_ROOT = PACKAGE_PARENT if running_from_checkout() else Path.cwd()
ENV_FILE = PROJECT_ROOT / ".env"
DEFAULT_SQLITE_FILE = PROJECT_ROOT / "{{ cookiecutter.project_slug }}.db"
# The app talks to its database through SQLAlchemy's asyncio engine (template option use_async).
USE_ASYNC = {% if cookiecutter.use_async %}True{% else %}False{% endif %}


@dataclass(frozen=True)
class Setting:
    """A value together with where it came from: "environment", ".env" or "default"."""

    # Out of the repr: a URL's password must not reach logs or tracebacks through it.
    value: str = field(repr=False)
    source: str = field(compare=False)


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    database: Setting
    # APP_ENV names the deployment ("development", "production", ...); tasks guard on it.
    environment: Setting = Setting("development", "default")

    @property
    def database_url(self) -> str:
        """The URL the app connects with, its driver picked for the app's (a)sync engine."""
        return with_driver(lasting_database_url(self.database.value), use_async=USE_ASYNC)

    @property
    def blocking_database_url(self) -> str:
        """The same database through a blocking driver, for tools that need one (tests)."""
        return with_driver(lasting_database_url(self.database.value), use_async=False)

    def __repr__(self) -> str:
        # A URL may carry a password; a repr ends up in logs and tracebacks.
        return f"Settings(database_url={hide_password(self.database.value)!r})"


def default_database_url() -> str:
    # as_posix: SQLite URLs use forward slashes on every platform.
    return f"sqlite:///{DEFAULT_SQLITE_FILE.as_posix()}"


DEFAULT_DATABASE_URL = {% if cookiecutter.database == "sqlite" %}default_database_url(){% else %}""{% endif %}


def anchor_sqlite_path(url: str) -> str:
    """Resolve a relative SQLite file against the project root, so every folder sees one file."""
    parsed = parse_url(url) if url.startswith("sqlite") else None
    if parsed is None:
        return url
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    if Path(database).is_absolute():
        return url
    anchored = parsed.set(database=(PROJECT_ROOT / database).as_posix())
    return anchored.render_as_string(hide_password=False)


def lookup(name: str, default: str, env_file_values: dict[str, str | None]) -> Setting:
    """Find ``name`` in the environment, then in `.env`, else fall back to ``default``."""
    if os.environ.get(name):
        return Setting(os.environ[name], "environment")
    if env_file_values.get(name):
        return Setting(env_file_values[name], ".env")
    return Setting(default, "default")


def read_env_file() -> dict[str, str | None]:
    """Return the project's `.env` as written, or nothing when there is none."""
    # Only the project's own .env: searching parent folders would let a stray file elsewhere
    # on the machine silently point the service at another database. interpolate=False: a
    # `$` in a password is a character, not the start of a `${VARIABLE}`.
    return dotenv_values(ENV_FILE, interpolate=False) if ENV_FILE.is_file() else {}


def read_setting(name: str, default: str) -> Setting:
    """Find one setting the way every setting is found: environment, then `.env`, else default."""
    return lookup(name, default, read_env_file())


@functools.cache
def get_settings() -> Settings:
    """Load the settings once per process."""
    env_file_values = read_env_file()
    # Only a SQLite project has a default: a server project silently migrating a local file
    # would hide a missing .env until production (an empty value is refused when used).
    database = lookup("DATABASE_URL", DEFAULT_DATABASE_URL, env_file_values)
    return Settings(
        database=Setting(anchor_sqlite_path(database.value), database.source),
        environment=lookup("APP_ENV", "development", env_file_values),
    )
