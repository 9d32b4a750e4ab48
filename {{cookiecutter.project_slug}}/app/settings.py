"""Read the service's settings: the real environment first, then the project's own `.env`."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dotenv import dotenv_values

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

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

# The driver a plain `postgresql://`, `mysql://` or `sqlite://` URL gets: (blocking, asyncio).
# SQLAlchemy's own defaults (psycopg2, mysqlclient) need C builds; these install as wheels.
DEFAULT_DRIVERS = {
    "sqlite": ("pysqlite", "aiosqlite"),
    "postgresql": ("psycopg", "psycopg"),
    "mysql": ("pymysql", "aiomysql"),
}
# The databases this project's migrations, locks and tests are written for.
SUPPORTED_BACKENDS = ("postgresql", "mysql", "mariadb", "sqlite")
# Schemes hosting platforms hand out that SQLAlchemy does not know by that name.
SCHEME_ALIASES = {"postgres": "postgresql"}
# An asyncio driver named in a URL, and the blocking driver tests and tools use in its place.
BLOCKING_EQUIVALENTS = {
    "aiosqlite": "pysqlite",
    "asyncpg": "psycopg",
    "psycopg_async": "psycopg",
    "aiomysql": "pymysql",
    "asyncmy": "pymysql",
}


class DatabaseUrlError(ValueError):
    """DATABASE_URL cannot be used as written; the message says why and never holds a password."""


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
        url = check_names_a_lasting_database(self.database.value)
        return with_driver(url, use_async=USE_ASYNC)

    @property
    def blocking_database_url(self) -> str:
        """The same database through a blocking driver, for tools that need one (tests)."""
        url = check_names_a_lasting_database(self.database.value)
        return with_driver(url, use_async=False)

    def __repr__(self) -> str:
        # A URL may carry a password; a repr ends up in logs and tracebacks.
        return f"Settings(database_url={hide_password(self.database.value)!r})"


def parse_url(url: str) -> URL | None:
    """Parse ``url`` with SQLAlchemy, or return None when it is not a valid URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return None


def hide_password(url: str) -> str:
    """Return ``url`` with its password, if any, replaced by ``***``."""
    try:
        check_database_url(url)
    except DatabaseUrlError:
        # SQLAlchemy would split an unencoded @ wrongly and show the rest of the password.
        return "<DATABASE_URL, not shown: it is not a usable URL>"
    parsed = parse_url(url)
    if parsed is None:
        return "<unparseable database URL>"
    return parsed.render_as_string(hide_password=True)


def redact_password(text: str, url: str) -> str:
    """Replace ``url``'s password wherever it appears in ``text`` (a driver may echo it).

    Read from the text as well as parsed: a URL SQLAlchemy cannot parse, or parses wrongly
    (an unencoded @), still has a password that must not be shown.
    """
    from urllib.parse import unquote

    userinfo = url.partition("://")[2].split("?", 1)[0].rpartition("@")[0]
    written = userinfo.partition(":")[2]
    for password in sorted(filter(None, {written, unquote(written)}), key=len, reverse=True):
        text = text.replace(password, "***")
    return text


def check_database_url(url: str) -> str:
    """Return ``url`` with ``postgres://`` read as ``postgresql://``; refuse one that cannot work.

    Every message names the mistake and the fix, and never any part of the password.
    """
    if not url:
        raise DatabaseUrlError("DATABASE_URL is not set; `cp .env.example .env` and edit it")
    scheme, separator, rest = url.partition("://")
    backend, plus, driver = scheme.partition("+")
    backend = SCHEME_ALIASES.get(backend.lower(), backend.lower())
    if not separator or backend not in SUPPORTED_BACKENDS:
        supported = ", ".join(f"{name}://" for name in SUPPORTED_BACKENDS)
        if not separator:
            raise DatabaseUrlError(f"DATABASE_URL is not a URL; start it with one of {supported}")
        raise DatabaseUrlError(
            f"DATABASE_URL has scheme {scheme!r}, which this project does not support;"
            f" use {supported}"
        )
    if backend == "sqlite":
        return f"{backend}{plus}{driver}://{rest}"  # a file path: no password to misread
    # The user:password part ends at the last @ before the path; SQLAlchemy splits at the first.
    authority = rest.split("?", 1)[0]
    if authority.count("@") > 1:
        raise DatabaseUrlError(
            "DATABASE_URL has an @ in its user name or password; write @ as %40"
            " (e.g. postgresql://user:p%40ss@host/db)"
        )
    userinfo = authority.rpartition("@")[0]
    if re.search(r"%(?![0-9A-Fa-f]{2})", userinfo):
        raise DatabaseUrlError(
            "DATABASE_URL has a % in its user name or password that is not an escape like %40;"
            " write % itself as %25"
        )
    return f"{backend}{plus}{driver}://{rest}"


def check_names_a_lasting_database(url: str) -> str:
    """Return ``url``; refuse one whose migrations would be lost or land in the wrong database.

    In-memory SQLite is gone when the task that migrated it ends, and a server URL without a
    database name connects to the server's own default database (PostgreSQL's `postgres`).
    """
    parsed = parse_url(check_database_url(url))
    if parsed is None:
        return url
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
            raise DatabaseUrlError(
                "DATABASE_URL names an in-memory SQLite database, which is gone when the task"
                " ends; name a file, e.g. sqlite:///app.db"
            )
    elif not parsed.database:
        raise DatabaseUrlError(
            "DATABASE_URL names no database (nothing after the last /), so it would reach the"
            " server's default one; add its name, e.g. postgresql://user@host:5432/my_service"
        )
    return url


def with_driver(url: str, *, use_async: bool) -> str:
    """Give a plain URL (``postgresql://``) the installed driver for blocking or asyncio use.

    A driver named in the URL is kept, except that a blocking caller gets the blocking
    equivalent of an asyncio driver. A URL that cannot work raises `DatabaseUrlError`.
    """
    url = check_database_url(url)
    parsed = parse_url(url)
    if parsed is None:
        return url
    # Read from the text, not get_driver_name(): that loads the dialect, which may be missing.
    backend, _, driver = parsed.drivername.partition("+")
    named = bool(driver)
    if named and (use_async or driver not in BLOCKING_EQUIVALENTS):
        return url
    if named:
        driver = BLOCKING_EQUIVALENTS[driver]
    elif backend in DEFAULT_DRIVERS:
        driver = DEFAULT_DRIVERS[backend][use_async]
    else:
        return url
    return parsed.set(drivername=f"{backend}+{driver}").render_as_string(hide_password=False)


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
