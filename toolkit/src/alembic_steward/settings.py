"""Read a service's settings: the real environment first, then the project's own `.env`.

A service's ``app/settings.py`` calls :func:`read_settings` once per process; the toolkit's
tasks and env.py helpers read the same values through the wiring (`Steward.settings`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from alembic_steward._driver_options import refused_driver_option
from alembic_steward.urls import (
    DatabaseUrlError,
    hide_password,
    lasting_database_url,
    parse_url,
    with_driver,
)

__all__ = [
    "EnvFileError",
    "Setting",
    "Settings",
    "project_root_of",
    "read_env_file",
    "read_setting",
    "read_settings",
    "running_from_checkout",
]


class EnvFileError(ValueError):
    """The project's `.env` cannot be read; the message names the file and the fix."""


def running_from_checkout(package_parent: Path) -> bool:
    """Tell whether the app package in ``package_parent`` runs from its project folder."""
    # Only a checkout has the project's pyproject.toml beside app/; a wheel ships app/ alone.
    return (package_parent / "pyproject.toml").is_file()


def project_root_of(package_dir: Path) -> Path:
    """The folder `.env` and the default SQLite file live in, for the app package ``package_dir``.

    The project checkout when there is one; an installed service uses the folder it runs from.
    """
    parent = Path(package_dir).resolve().parent
    return parent if running_from_checkout(parent) else Path.cwd()


@dataclass(frozen=True)
class Setting:
    """A value together with where it came from: "environment", ".env" or "default"."""

    # Out of the repr: a URL's password must not reach logs or tracebacks through it.
    value: str = field(repr=False)
    source: str = field(compare=False)


@dataclass(frozen=True)
class Settings:
    """What the toolkit reads from a service's environment: its database and deployment name."""

    database: Setting
    # APP_ENV names the deployment ("development", "production", ...); tasks guard on it.
    environment: Setting = Setting("development", "default")
    # The app talks to its database through SQLAlchemy's asyncio engine.
    use_async: bool = False

    @property
    def database_url(self) -> str:
        """The URL the app connects with, its driver picked for the app's (a)sync engine."""
        # Checked through the blocking driver too: every tool connects with it, and the app and
        # its tools must accept or refuse the same URL.
        self.blocking_database_url  # noqa: B018 - raises DatabaseUrlError for an unusable URL
        return with_driver(lasting_database_url(self.database.value), use_async=self.use_async)

    @property
    def blocking_database_url(self) -> str:
        """The same database through a blocking driver, for tools that need one (tests)."""
        url = with_driver(lasting_database_url(self.database.value), use_async=False)
        refused = refused_driver_option(url)
        if refused is not None:
            raise DatabaseUrlError(refused)
        return url

    def __repr__(self) -> str:
        # A URL may carry a password; a repr ends up in logs and tracebacks.
        return f"Settings(database_url={hide_password(self.database.value)!r})"


def anchor_sqlite_path(url: str, project_root: Path) -> str:
    """Resolve a relative SQLite file against the project root, so every folder sees one file."""
    parsed = parse_url(url) if url.startswith("sqlite") else None
    if parsed is None:
        return url
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    if parsed.host:
        return url  # refused as written (`sqlite://NAME/...`), by the URL rules
    if Path(database).is_absolute():
        return url
    anchored = parsed.set(database=(project_root / database).as_posix())
    return anchored.render_as_string(hide_password=False)


def lookup(name: str, default: str, env_file_values: dict[str, str | None]) -> Setting:
    """Find ``name`` in the environment, then in `.env`, else fall back to ``default``."""
    if os.environ.get(name):
        return Setting(os.environ[name], "environment")
    if env_file_values.get(name):
        return Setting(env_file_values[name] or "", ".env")
    return Setting(default, "default")


def read_env_file(project_root: Path) -> dict[str, str | None]:
    """Return the project's `.env` as written, or nothing when there is none."""
    from dotenv import dotenv_values

    env_file = project_root / ".env"
    if not env_file.is_file():
        return {}
    try:
        # Only the project's own .env: searching parent folders would let a stray file elsewhere
        # on the machine silently point the service at another database. interpolate=False: a
        # `$` in a password is a character, not the start of a `${VARIABLE}`.
        return dotenv_values(env_file, interpolate=False)
    except UnicodeDecodeError as error:
        # Only the offset: the bytes around it may be the password.
        raise EnvFileError(
            f"{env_file} is not UTF-8 text (byte {error.start + 1} is not valid UTF-8);"
            " save it as UTF-8"
        ) from None
    except OSError as error:
        raise EnvFileError(
            f"cannot read {env_file} ({error.strerror}); make it readable, or remove it and set"
            " the variables in the environment"
        ) from None


def read_setting(project_root: Path, name: str, default: str) -> Setting:
    """Find one setting the way every setting is found: environment, then `.env`, else default."""
    return lookup(name, default, read_env_file(project_root))


def read_settings(project_root: Path, *, default_database_url: str, use_async: bool) -> Settings:
    """Read DATABASE_URL and APP_ENV for the project in ``project_root``.

    ``default_database_url`` applies when neither the environment nor `.env` names one (an
    empty string: none, and using it is refused with advice). Relative SQLite paths are
    anchored at ``project_root``. Raises EnvFileError only for a `.env` it cannot read; a bad
    URL is refused when it is used.
    """
    env_file_values = read_env_file(project_root)
    database = lookup("DATABASE_URL", default_database_url, env_file_values)
    return Settings(
        database=Setting(anchor_sqlite_path(database.value, project_root), database.source),
        environment=lookup("APP_ENV", "development", env_file_values),
        use_async=use_async,
    )
