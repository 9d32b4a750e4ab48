"""The local database's revisions, for the tasks that rewrite history (squash, rebase).

Both refuse to rewrite a revision the local database has applied; they read it here without
creating anything (connecting to a missing SQLite file would create it).
"""

from __future__ import annotations

from pathlib import Path


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
