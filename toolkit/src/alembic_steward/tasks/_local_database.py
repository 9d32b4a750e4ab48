"""The local database, read without creating anything (connecting to a missing SQLite file
would create it): its revisions, for the tasks that rewrite history (squash, rebase), which
refuse to rewrite a revision it has applied; a missing file read as an empty database by the
tasks that only read, or refused by those that need one (`db.baseline`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from invoke import Exit


class LocalDatabaseUnreadable(Exception):
    """The local database could not be read (the text says why, without its password)."""


def local_revisions() -> tuple[str, ...]:
    """The revisions in the local database's version table; () without the table or the file.

    Raises LocalDatabaseUnreadable when the database cannot be reached.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._up_to_date import database_revisions

    url = make_url(get_settings().blocking_database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return ()
    try:
        return database_revisions(url.render_as_string(hide_password=False))
    except SQLAlchemyError as error:
        raise LocalDatabaseUnreadable(error_reason(error)) from None


def refuse_a_missing_sqlite_file(rest: str) -> None:
    """Exit in one line, the file's name then ``rest``, when DATABASE_URL names a SQLite file
    that does not exist, before a task that needs one connects and so creates it, empty."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._offline_runs import missing_sqlite_file, missing_sqlite_words

    get_blocking_engine()  # a URL or driver the service cannot use is said first, as on connect
    path = missing_sqlite_file()
    if path is not None:
        raise Exit(f"error: {missing_sqlite_words(path)}{rest}", code=1)


@contextmanager
def read_as_empty_if_missing(*, quiet: bool = False) -> Iterator[None]:
    """Read a SQLite file DATABASE_URL names that does not exist as an empty database, creating
    nothing, for a task that only reads (`db.status`, `db.current`, `db.check`); unless
    ``quiet`` (a JSON document on stdout), say so on stderr."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._offline_runs import (
        missing_sqlite_file_read_as_empty,
        missing_sqlite_words,
    )

    get_blocking_engine()  # a URL or driver the service cannot use is said first, as on connect
    with missing_sqlite_file_read_as_empty() as missing:
        if missing is not None and not quiet:
            print(
                f"note: {missing_sqlite_words(missing)} yet, so it was read as an empty"
                " database, and not created; `inv db.url` shows where DATABASE_URL is set,"
                " and `inv db.upgrade` creates it",
                file=sys.stderr,
            )
        yield
