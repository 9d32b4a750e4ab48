"""Open a migration run's own connection, where a user's mistake ends in one line.

env.py runs inside Alembic's CLI, which prints one `FAILED: ...` line for a CommandError and a
traceback for anything else; so what a user can get wrong on the way to a connection (a port
that is not a number, a driver not installed, a server that does not answer) is raised as a
CommandError here, never showing the password.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import URL, Connection, Engine
    from sqlalchemy.exc import DBAPIError


def __getattr__(name: str) -> object:
    # A CommandError: made on first use, since importing Alembic is most of what a start-up
    # guard at head would cost (runtime/_up_to_date.py).
    if name == "DatabaseUnreachable":
        return unreachable_error()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def unreachable_error() -> type[Exception]:
    """DatabaseUnreachable, made once."""
    from alembic.util import CommandError

    class DatabaseUnreachable(CommandError):
        """The run's connection could not be opened; ``driver_error`` is what the driver said."""

        def __init__(self, message: str, driver_error: DBAPIError) -> None:
            super().__init__(message)
            self.driver_error = driver_error

    DatabaseUnreachable.__module__ = __name__
    return DatabaseUnreachable


def command_error(message: str) -> Exception:
    """Alembic's CommandError (imported only when there is one to raise)."""
    from alembic.util import CommandError

    return CommandError(message)


def fix_url_advice() -> str:
    """Where to fix DATABASE_URL: `inv db.url` shows it in a checkout; a wheel has no inv."""
    from alembic_steward.runtime._advice import installed_service

    shown = "" if installed_service() else " (`inv db.url` shows where it is set)"
    return f"fix DATABASE_URL{shown}"


def parsed_url(url: str) -> URL:
    """Parse ``url`` as the engine will; a port that is not a number is a CommandError."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url)
    except ValueError as error:  # SQLAlchemy's parser lets int() fail on the port
        authority = url.partition("://")[2].split("/", 1)[0]
        # Without an @ the text after the host's `:` may be what was meant as a password.
        port = f" {str(error).rpartition(': ')[2]}" if "@" in authority else ""
        raise command_error(
            f"DATABASE_URL is not a usable SQLAlchemy URL (its port{port} is not a number);"
            f" {fix_url_advice()}"
        ) from None


def check_app_driver_installed() -> None:
    """Raise DatabaseUrlError unless an asyncio service's own driver is asyncio and imports.

    The tasks and the start-up guard connect through the blocking twin of an asyncio driver
    (psycopg for asyncpg), so without this a URL the service's engine cannot use passes them
    all and fails the service on its first query.
    """
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._driver_errors import missing_driver_line
    from alembic_steward.urls import DEFAULT_DRIVERS, DatabaseUrlError

    settings = get_settings()
    if not settings.use_async:
        return  # the tools connect with the app's own driver, and say so if it is missing
    url = make_url(settings.database_url)
    backend, _, driver = url.drivername.partition("+")
    default = DEFAULT_DRIVERS.get(backend, ("", ""))[1]
    instead = f"write DATABASE_URL without `+{driver}` to use {default}, which the project installs"
    dialect = url.get_dialect().get_async_dialect_cls(url)
    if not dialect.is_async:
        raise DatabaseUrlError(
            f"DATABASE_URL names {driver}, a blocking driver, but the service's engine is"
            f" asyncio; {instead}"
        )
    try:
        dialect.import_dbapi()
    except ModuleNotFoundError as error:
        why = " (the service's asyncio engine connects through it)"
        alternative = f", or {instead}" if default and driver != default else ""
        raise DatabaseUrlError(missing_driver_line(str(error.name), why, alternative)) from None


def check_driver_installed(url: URL) -> None:
    """Raise a CommandError naming the package to install unless ``url``'s driver imports."""
    from sqlalchemy.exc import NoSuchModuleError

    try:
        url.get_dialect().import_dbapi()
    except ModuleNotFoundError as error:
        from alembic_steward.runtime._driver_errors import missing_driver_line

        raise command_error(missing_driver_line(str(error.name))) from None
    except NoSuchModuleError as error:
        reason = str(error).splitlines()[0]
        raise command_error(
            f"DATABASE_URL is not a usable SQLAlchemy URL ({reason}); {fix_url_advice()}"
        ) from None


def refused_option_line(
    error: BaseException, *, outcome: str = "nothing was changed"
) -> str | None:
    """The line for a DATABASE_URL option the driver refused (`?sslmode=bogus`), or None: the
    URL is wrong, not the server unreachable. It names the option, never the password."""
    from alembic_steward.runtime._driver_errors import error_reason, refused_url_option

    option = refused_url_option(error)
    if option is None:
        return None
    # The driver by its package (psycopg, pymysql): the error's own class says which refused.
    driver = type(getattr(error, "orig", None) or error).__module__.partition(".")[0]
    return (
        f"DATABASE_URL's option {option} is refused by the driver"
        f" ({driver}: {error_reason(error)}); {fix_url_advice()}; {outcome}"
    )


def unreachable(error: DBAPIError, url: URL, *, outcome: str = "nothing was migrated") -> Exception:
    """The one line for a connection that could not be opened, what to check, and ``outcome``
    (what that means for the command: a repair says nothing was changed); a CommandError
    naming the option instead when the driver refused one of the URL's."""
    from alembic_steward.runtime._damaged_sqlite import damaged_sqlite_line
    from alembic_steward.runtime._driver_errors import error_reason, sign_in_refusal
    from alembic_steward.urls import hide_password

    refused_option = refused_option_line(error, outcome=outcome)
    if refused_option is not None:
        return command_error(refused_option)
    damaged = damaged_sqlite_line(error, url)
    if damaged is not None:
        return command_error(f"{damaged}; {outcome}")
    where = hide_password(url)
    if url.get_backend_name() == "sqlite":
        advice = sqlite_file_advice(url)
    elif sign_in_refusal(error) is not None:
        return unreachable_error()(refused_sign_in_line(error, url, outcome), error)
    else:
        advice = f"check that the server is running and reachable, or {fix_url_advice()}"
    return unreachable_error()(
        f"cannot reach the database at {where} ({error_reason(error)}); {advice}; {outcome}",
        error,
    )


def refused_sign_in_line(error: DBAPIError, url: URL, outcome: str) -> str:
    """The line for a server that answered and refused ``url``'s sign-in (or has no such
    database): no wait helps, the URL must change."""
    from alembic_steward.runtime._driver_errors import SignInRefusal, error_reason, sign_in_refusal

    where = url.render_as_string(hide_password=True)
    reason = error_reason(error)
    if sign_in_refusal(error) is SignInRefusal.DATABASE_MISSING:
        return (
            f"the server of {where} answered, but has no database {url.database} ({reason});"
            f" {fix_url_advice()}, or create it; {outcome}"
        )
    return (
        f"the server of {where} refused the sign-in ({reason}): check the user, password and"
        f" database DATABASE_URL gives; {fix_url_advice()}; {outcome}"
    )


def sqlite_file_advice(url: URL) -> str:
    """What to check when the SQLite file ``url`` names could not be opened: its folder by
    name when it is missing (a fact, not a guess), else the folder's rights."""
    named = sqlite_folder_named(url)
    if named is not None:
        return (
            f"{named} is a folder, not a file: name a file in it, e.g."
            f" sqlite:///{(named / 'app.db').as_posix()}, or {fix_url_advice()}"
        )
    folder = missing_sqlite_folder(url)
    if folder is not None:
        return (
            f"the folder {folder} of the SQLite file does not exist: create it"
            f" (`mkdir -p {folder}`), or {fix_url_advice()}"
        )
    return f"check that the file's folder exists and is readable, or {fix_url_advice()}"


def sqlite_folder_named(url: URL) -> Path | None:
    """The path of the SQLite file ``url`` names, when that path is a folder; else None."""
    from pathlib import Path

    database = url.database
    if url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    if database.startswith("file:") or not Path(database).is_dir():
        return None
    return Path(database)


def missing_sqlite_folder(url: URL) -> Path | None:
    """The folder of the SQLite file ``url`` names, when that folder does not exist; else None
    (a server, an in-memory database, a `file:` URI, a folder that exists)."""
    from pathlib import Path

    database = url.database
    if url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    folder = Path(database).parent
    return None if folder.is_dir() else folder


@contextmanager
def connected(engine: Engine, *, outcome: str = "nothing was migrated") -> Iterator[Connection]:
    """Connect ``engine``; a connection the server refuses or never answers is a CommandError
    (DatabaseUnreachable) ending in ``outcome``, what the command left undone."""
    from sqlalchemy.exc import DBAPIError

    try:
        connection = engine.connect()
    except DBAPIError as error:
        raise unreachable(error, engine.url, outcome=outcome) from None
    with connection:
        yield connection


def check_sqlite_file_opens(url: URL) -> None:
    """Open a SQLite file with the blocking driver: a CommandError if it cannot be opened.

    aiosqlite reports such a file from a worker thread that outlives asyncio.run, which then
    prints a traceback after the one line; the blocking driver says the same thing first.
    """
    from sqlalchemy import create_engine, pool

    engine = create_engine(url.set(drivername="sqlite"), poolclass=pool.NullPool)
    try:
        with connected(engine):
            pass
    finally:
        engine.dispose()
