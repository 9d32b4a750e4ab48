"""Which query parameter of DATABASE_URL its driver would refuse, found before any connection.

SQLAlchemy hands a URL's query to the driver's connect(), after reading a few values itself
(`connect_timeout` as a number). What goes wrong there names no option: PyMySQL's
`Connection.__init__() got an unexpected keyword argument 'api_key'`, a bare
`invalid literal for int() with base 10: 'abc'`, SQLite's dialect dropping a name it does not
know (with a warning from SQLAlchemy 2.1 on, silently before). Each driver's connection is
built here without connecting, one option at a time, so the line names the option. libpq
reads psycopg's options itself when it connects, and names the one it refuses
(runtime/_driver_errors.py reads that).
"""

from __future__ import annotations

import functools
import warnings
from typing import TYPE_CHECKING

from alembic_steward._url_secrets import HIDDEN, hide_secret_arguments, is_secret_name

if TYPE_CHECKING:
    from sqlalchemy import URL

# How SQLAlchemy 2.1's SQLite dialect words a query name it drops ("are not accepted by the
# pysqlite driver and are being ignored"), said here of any name that never reached the driver.
DROPPED_BY_DIALECT = "are not accepted by the"


class NotAccepted(Exception):
    """The driver takes no option of that name (as opposed to refusing its value)."""


def refused_driver_option(url: str) -> str | None:
    """The line for the first query parameter of ``url`` its driver refuses, or None: all are
    accepted, the driver is one checked on connecting (psycopg), or it is not installed (which
    has its own line). The value of a parameter whose name says it is secret is never shown."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.query or trial_of(parsed) is None:
        return None  # no parsing, no import: a URL without options costs nothing here
    return refusal_line(url)


@functools.lru_cache(maxsize=16)
def refusal_line(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    try:
        refused = tried(parsed)
    except ImportError:
        return None
    if refused is None or tried(parsed.set(query={})) is not None:
        return None  # refused without its options too: not theirs to name
    # Which option: the first that the driver refuses on its own.
    for name, value in parsed.query.items():
        alone = tried(parsed.set(query={name: value}))
        if alone is not None:
            return option_line(parsed, name, alone)
    return option_line(parsed, None, refused)


def trial_of(url: URL) -> object:
    driver = url.drivername.partition("+")[2] or url.drivername
    return {"pymysql": pymysql_connection_built, "pysqlite": sqlite_connection_built}.get(driver)


def tried(url: URL) -> Exception | None:
    """Build ``url``'s engine and its driver's connection without connecting; what refused."""
    from sqlalchemy import create_engine, pool
    from sqlalchemy.exc import SAWarning

    trial = trial_of(url)
    # SQLAlchemy 2.1's SQLite dialect warns of a name it drops: the trial's own, not the user's.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        try:
            engine = create_engine(url, poolclass=pool.NullPool)
            cargs, cparams = engine.dialect.create_connect_args(engine.url)
            trial(engine.dialect, list(cargs), dict(cparams))  # type: ignore[operator]
        except ImportError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever the driver refuses a value with
            return error
    return dropped_by_sqlite_dialect(url, cparams)


def dropped_by_sqlite_dialect(url: URL, cparams: dict) -> NotAccepted | None:
    """What SQLAlchemy's SQLite dialect dropped: it passes only the names it knows to
    sqlite3.connect() (2.0 silently, 2.1 with a warning). Outside `uri=true`, where the query
    becomes the file's URI, a name that did not reach the driver was dropped."""
    if trial_of(url) is not sqlite_connection_built or cparams.get("uri"):
        return None
    unknown = [name for name in url.query if name not in cparams]
    if not unknown:
        return None
    names = ", ".join(repr(name) for name in unknown)
    return NotAccepted(f"Query string argument(s) {names} {DROPPED_BY_DIALECT} pysqlite driver")


def pymysql_connection_built(dialect: object, cargs: list, cparams: dict) -> None:
    """PyMySQL's connection object, which reads every argument, without its connect."""
    from pymysql.connections import Connection

    from alembic_steward.runtime._bounded_waits import refuse_unknown_character_set

    refuse_unknown_character_set(dialect, cparams)  # worded as libpq words such a refusal
    Connection(*cargs, **{**cparams, "defer_connect": True})


def sqlite_connection_built(dialect: object, cargs: list, cparams: dict) -> None:
    """sqlite3's connect() with the URL's options, on an in-memory database (no file made)."""
    import sqlite3

    sqlite3.connect(":memory:", **{**cparams, "uri": False}).close()


def option_line(url: URL, name: str | None, refused: Exception) -> str:
    """``DATABASE_URL's option NAME is refused by the driver (why)``, and what to do."""
    driver = url.get_dialect().driver
    from alembic_steward.runtime._driver_errors import first_line

    words = first_line(refused)  # PyMySQL's come as (code, text)
    if name is None:
        return (
            f"DATABASE_URL's options are not ones the driver accepts together ({driver}:"
            f" {hide_secret_arguments(words)}); correct them in DATABASE_URL; nothing was changed"
        )
    advice = f"correct or remove {name} in DATABASE_URL; nothing was changed"
    unknown = isinstance(refused, NotAccepted) or "unexpected keyword argument" in words
    if unknown:
        return (
            f"DATABASE_URL's option {name} is refused by the driver ({driver} takes no"
            f" option {name}); {advice}"
        )
    if is_secret_name(name):
        # The driver's words may quote the value, and the name says it is a secret.
        why = f"{driver}: {name}={HIDDEN}"
    else:
        why = f"{driver}: {hide_secret_arguments(words)}"
    return f"DATABASE_URL's option {name} is refused by the driver ({why}); {advice}"
