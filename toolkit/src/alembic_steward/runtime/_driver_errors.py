"""Read what a database driver said: its first line without the password, and sign-in refusals.

The one reading of driver errors shared by the `db` tasks, the scratch databases and
`python -m app.migrations`, so each says the same thing about the same failure.
"""

from __future__ import annotations

import enum
import re


class SignInRefusal(enum.Enum):
    """Why a server that answered would not let this URL's user into its database."""

    # PostgreSQL says "password authentication failed" for an unknown user too, and MySQL and
    # MariaDB answer both with one "Access denied": the server itself does not tell them apart.
    WRONG_PASSWORD_OR_USER = "password"
    UNKNOWN_USER = "user"
    NO_PASSWORD_GIVEN = "no password"
    DATABASE_MISSING = "database"
    # The user signed in but may not use that database (MySQL/MariaDB also say this when the
    # database does not exist, to a user with no right to know).
    NO_ACCESS = "access"


# Each refusal as the server words it: PostgreSQL by text (libpq's connection errors carry no
# SQLSTATE), MySQL/MariaDB by error code (and "using password: NO" for a missing password).
POSTGRESQL_REFUSALS = (
    (re.compile(r"role \".*\" does not exist"), SignInRefusal.UNKNOWN_USER),
    (re.compile(r"password authentication failed"), SignInRefusal.WRONG_PASSWORD_OR_USER),
    (re.compile(r"no password supplied"), SignInRefusal.NO_PASSWORD_GIVEN),
    (re.compile(r"database \".*\" does not exist"), SignInRefusal.DATABASE_MISSING),
    # Signed in, but not allowed to read the database's tables (alembic_version first).
    (
        re.compile(r"permission denied for (database|schema|table|sequence)|no pg_hba\.conf entry"),
        SignInRefusal.NO_ACCESS,
    ),
)
MYSQL_DATABASE_DENIED, MYSQL_UNKNOWN_DATABASE = 1044, 1049
# A table or column this user may not read (alembic_version first).
MYSQL_TABLE_DENIED = {1142, 1143}
# 1698 too: MariaDB answers some sign-ins of an unknown user with it (it pretends the user has
# a randomly chosen authentication plugin, so that user names cannot be probed).
MYSQL_ACCESS_DENIED = {1045, 1698}
# libpq refusing a URL option before any connection is tried: `invalid sslmode value: "bogus"`
# (after psycopg's "connection is bad: "), `invalid connection option "foo"`, `bad value for
# connect_timeout: 'abc'`, and, as it opens the socket, `connection to server at "h", port 5432
# failed: invalid integer value "abc" for connection option "keepalives_idle"`; PyMySQL's
# unknown `?charset=`, worded so by runtime/_bounded_waits.py. Anchored at the start (or at
# libpq's "failed: "): a server's message never begins so.
REFUSED_URL_OPTION = re.compile(
    r'^(?:connection is bad: )?(?:invalid connection option "(?P<unknown>[^"]+)"'
    r"|invalid (?P<invalid>\w+) value:|bad value for (?P<bad>\w+):"
    r'|connection to server at [^\n]*? failed: invalid \w+ value "[^"]*" for connection option'
    r' "(?P<typed>[^"]+)")'
)


def first_line(error: BaseException) -> str:
    """The driver's own words for ``error``, first line only (PyMySQL's come as (code, text))."""
    original = getattr(error, "orig", None) or error
    texts = [argument for argument in original.args if isinstance(argument, str)]
    said = (texts[-1] if texts else str(original)).strip().splitlines()
    return said[0] if said else type(error).__name__


def server_detail(error: BaseException) -> str:
    """PostgreSQL's DETAIL for ``error`` (the duplicate key, the missing parent row), first
    line, or "": psycopg keeps it after the message's first line, where a one-line report
    would cut it off (MySQL/MariaDB and SQLite name the key in their one line)."""
    original = getattr(error, "orig", None) or error
    detail = getattr(getattr(original, "diag", None), "message_detail", None)
    lines = detail.strip().splitlines() if isinstance(detail, str) else []
    return lines[0] if lines else ""


def driver_words(error: BaseException) -> str:
    """``first_line``, and the server's DETAIL after a colon where it gave one."""
    detail = server_detail(error)
    return f"{first_line(error)}: {detail}" if detail else first_line(error)


def error_reason(error: BaseException) -> str:
    """``driver_words`` with the password of DATABASE_URL removed; never raises."""
    try:
        from alembic_steward._wiring import get_settings
        from alembic_steward.settings import EnvFileError
        from alembic_steward.urls import redact_password

        try:
            url = get_settings().database.value
        except EnvFileError:
            return driver_words(error)  # no setting was read: no message can hold the password
        return redact_password(driver_words(error), url)
    except Exception:  # noqa: BLE001 - the text may hold the password we failed to remove
        return f"{type(error).__name__} (its message is not shown: it could hold the password)"


def refused_url_option(error: BaseException) -> str | None:
    """The DATABASE_URL option the driver would not accept (``sslmode``), or None: a mistake in
    the URL, which no server, wait or retry can fix."""
    match = REFUSED_URL_OPTION.match(first_line(error))
    return next((name for name in match.groups() if name), None) if match else None


def names_a_missing_database(error: BaseException) -> bool:
    """Whether a connection failed because its database does not exist (PostgreSQL, MySQL)."""
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) == "3D000":  # PostgreSQL's invalid_catalog_name
        return True
    # psycopg gives a refused connection no SQLSTATE: the server's FATAL line says it.
    if re.search(r'FATAL:\s+database "[^"]*" does not exist', str(original)):
        return True
    return (getattr(original, "args", None) or [None])[0] == MYSQL_UNKNOWN_DATABASE


def sign_in_refusal(error: BaseException) -> SignInRefusal | None:
    """Tell why the server refused this user or database, or None when it did not refuse."""
    original = getattr(error, "orig", None) or error
    arguments = getattr(original, "args", ())
    code = arguments[0] if arguments and isinstance(arguments[0], int) else None
    if code in MYSQL_ACCESS_DENIED:
        text = first_line(error)
        missing = "using password: NO" in text
        return SignInRefusal.NO_PASSWORD_GIVEN if missing else SignInRefusal.WRONG_PASSWORD_OR_USER
    if code in MYSQL_TABLE_DENIED:
        return SignInRefusal.NO_ACCESS
    if code in (MYSQL_DATABASE_DENIED, MYSQL_UNKNOWN_DATABASE):
        unknown = code == MYSQL_UNKNOWN_DATABASE
        return SignInRefusal.DATABASE_MISSING if unknown else SignInRefusal.NO_ACCESS
    text = first_line(error)
    return next((kind for pattern, kind in POSTGRESQL_REFUSALS if pattern.search(text)), None)


# The module a DB-API driver imports, and the package that installs it.
DRIVER_PACKAGES = {
    "MySQLdb": "mysqlclient",
    "pymysql": "PyMySQL",
    "aiomysql": "aiomysql",
    "asyncmy": "asyncmy",
    "mysql": "mysql-connector-python",
    "mariadb": "mariadb",
    "psycopg": "psycopg[binary]",
    "psycopg2": "psycopg2-binary",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
    "aiosqlite": "aiosqlite",
}


def missing_driver_line(module: str, why: str = "", instead: str = "") -> str:
    """Say that the driver module DATABASE_URL needs is not installed, and what installs it."""
    package = DRIVER_PACKAGES.get(module, module)
    # Quoted: zsh reads the brackets of an extra as a glob.
    package = f"'{package}'" if "[" in package else package
    return (
        f"the database driver {module!r} named by DATABASE_URL is not installed{why};"
        f" install it with `python -m pip install {package}`{instead}"
    )
