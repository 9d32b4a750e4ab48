"""The rules a database URL must follow here: the schemes and drivers, and what is refused.

Every message names the mistake and the fix, and never any part of the password.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from alembic_steward._url_secrets import hide_query_secrets, hide_secret_arguments

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

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


def parse_url(url: str) -> URL | None:
    """Parse ``url`` with SQLAlchemy, or return None when it is not a valid URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return None


def hide_password(url: str | URL) -> str:
    """Return ``url`` as any message shows it: its password and every secret query parameter
    (``?password=``, ``sslpassword``, ``api_key``, ...) replaced by ``***``.

    The one way a URL is rendered for people: a URL object too, since its own rendering
    (``render_as_string(hide_password=True)``, ``str``, ``repr``) shows the query as written.
    """
    if not isinstance(url, str):
        return hide_query_secrets(url.render_as_string(hide_password=True))
    try:
        check_database_url(url)
    except DatabaseUrlError:
        # SQLAlchemy would split an unencoded @ wrongly and show the rest of the password.
        return "<DATABASE_URL, not shown: it is not a usable URL>"
    parsed = parse_url(url)
    if parsed is None:
        return "<unparseable database URL>"
    return hide_query_secrets(parsed.render_as_string(hide_password=True))


# The password field of any URL a message holds: after `scheme://user:`, up to the first @
# (SQLAlchemy's reading; a URL it renders writes an @ inside the password as %40).
URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s'\"]*:)([^@\s'\"]*)(?=@)")


def redact_password(text: str, *urls: str) -> str:
    """Replace the password field of every URL in ``text``, and every secret argument
    (``password=...``, ``?sslpassword=...``, ``'api_key': '...'``).

    Only fields are replaced, never the password's text wherever it occurs: a password such as
    `the` must not turn "the server" into "*** server" and show itself by the gaps. ``urls``
    (DATABASE_URL, ...) give passwords to look for in the forms a message may print them:
    as written, decoded, and percent-encoded as SQLAlchemy renders them.
    """
    for url in urls:
        for password in sorted(password_forms(url), key=len, reverse=True):
            text = text.replace(f":{password}@", ":***@")
    text = URL_PASSWORD.sub(r"\1***", text)
    return hide_secret_arguments(text)


def password_forms(url: str) -> set[str]:
    """``url``'s password as written, decoded, and percent-encoded as SQLAlchemy renders it."""
    # Read from the text, not parsed: a URL SQLAlchemy cannot parse, or parses wrongly (an
    # unencoded @), still has a password that must not be shown.
    from urllib.parse import quote, unquote

    userinfo = url.partition("://")[2].split("?", 1)[0].rpartition("@")[0]
    written = userinfo.partition(":")[2]
    decoded = unquote(written)
    forms = {written, decoded, quote(decoded, safe=" +"), quote(decoded, safe="")}
    return {form for form in forms if form}


def check_database_url(url: str) -> str:
    """Return ``url`` with ``postgres://`` read as ``postgresql://``; refuse one that cannot work.

    Every message names the mistake and the fix, and never any part of the password.
    """
    if not url:
        raise DatabaseUrlError("DATABASE_URL is not set; `cp .env.example .env` and edit it")
    check_no_surrounding_whitespace(url)
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
        check_sqlite_path_not_in_host(rest)
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
    check_port_is_a_number(url, authority)
    return f"{backend}{plus}{driver}://{rest}"


def check_no_surrounding_whitespace(url: str) -> None:
    """Refuse a URL with a space, tab or newline around it (a copied line, an `= value` in a
    shell). Refused, not stripped: the service's own code may read DATABASE_URL unstripped,
    and every reader must see the same URL."""
    stripped = {"leading": url.lstrip(), "trailing": url.rstrip()}
    sides = [side for side, text in stripped.items() if text != url]
    if sides:
        raise DatabaseUrlError(
            f"DATABASE_URL has {' and '.join(sides)} whitespace (a space, tab or newline);"
            " remove it where DATABASE_URL is set"
        )


def check_sqlite_path_not_in_host(rest: str) -> None:
    """Refuse `sqlite://NAME`: with two slashes NAME is the URL's host part, which SQLite has
    no use for, so no file is named and the database would be in memory (or, with a path
    after the host, SQLAlchemy refuses the URL)."""
    authority, _, path = rest.split("?", 1)[0].partition("/")
    host = authority.rpartition("@")[2]  # never the user:password before it
    if host:
        written = f"sqlite://{host}/{path}" if path else f"sqlite://{host}"
        raise DatabaseUrlError(
            f"DATABASE_URL {written} puts {host} in the host part; write sqlite:///{path or host}"
            " (three slashes: a path relative to the project; four for an absolute path)"
        )


def check_port_is_a_number(url: str, authority: str) -> None:
    """Refuse a port SQLAlchemy cannot read as a number, naming it (when it cannot be part of
    a password: text after the host's `:` in a URL without @ may be a misplaced password)."""
    from sqlalchemy.engine import make_url

    try:
        make_url(url)
    except ValueError as error:  # SQLAlchemy's parser lets int() fail on the port
        port = f" {str(error).rpartition(': ')[2]}" if "@" in authority else ""
        raise DatabaseUrlError(
            f"DATABASE_URL is not a usable SQLAlchemy URL (its port{port} is not a number);"
            " write the port as digits, e.g. postgresql://user@host:5432/my_service"
        ) from None


def lasting_database_url(url: str) -> str:
    """Return ``url``; refuse in-memory SQLite (gone when the task that migrated it ends) and a
    server URL naming no database (it would reach the server's default one, e.g. `postgres`)."""
    parsed = parse_url(check_database_url(url))
    if parsed is None:
        return url
    if parsed.get_backend_name() != "sqlite" and not parsed.database:
        raise DatabaseUrlError(
            "DATABASE_URL names no database (nothing after the last /); add its name, e.g."
            " postgresql://user@host:5432/my_service"
        )
    if parsed.get_backend_name() == "sqlite" and (
        parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
    ):
        raise DatabaseUrlError(
            "DATABASE_URL names an in-memory SQLite database, which is gone when the task ends;"
            " name a file, e.g. sqlite:///app.db"
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
