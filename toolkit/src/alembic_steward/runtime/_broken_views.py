"""After an upgrade on MySQL/MariaDB, the views it left unreadable.

MariaDB lets a migration drop or rename a column (or a table) that a view reads, and keeps the
view: every read of it fails afterwards ("View ... references invalid table(s) or column(s)"),
and nothing said so when the upgrade ended. PostgreSQL refuses such a DROP, SQLite's ALTER
TABLE stops on the view, so they need no look. Each view is read with `SELECT * ... LIMIT 0`,
which reads no row: one query per view, after the run, outside its lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

VIEWS = (
    "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
    " ORDER BY TABLE_NAME"
)


def unreadable_views(connection: Connection) -> list[tuple[str, str]]:
    """(view, why) for each view of ``connection``'s database that cannot be read."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.runtime._driver_errors import error_reason

    quote = connection.dialect.identifier_preparer.quote
    broken = []
    for (view,) in connection.execute(text(VIEWS)).all():
        try:
            with connection.begin_nested():
                connection.execute(text(f"SELECT * FROM {quote(view)} LIMIT 0"))
        except DBAPIError as error:
            broken.append((view, error_reason(error)))
    return broken


def broken_views_line() -> str | None:
    """The warning naming the views the database (MySQL/MariaDB) cannot read after an upgrade,
    with what to do; None when every view reads, on another database, or when they could not
    be listed (the upgrade's own outcome stands: this is a look after it, not a check)."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import get_blocking_engine

    engine = get_blocking_engine()
    if engine.dialect.name not in ("mysql", "mariadb"):
        return None
    try:
        with engine.connect() as connection:
            broken = unreadable_views(connection)
            connection.rollback()
    except SQLAlchemyError:
        return None
    if not broken:
        return None
    named = "; ".join(f"view {view} ({why})" for view, why in broken)
    drops = "; ".join(f"`DROP VIEW {view}`" for view, _ in broken)
    return (
        f"warning: after the upgrade the database has views that can no longer be read: {named}:"
        " MariaDB let a migration drop or rename what they read and kept them; drop them"
        f" ({drops}), or make them again without what is gone (`CREATE OR REPLACE VIEW ...`),"
        " in a new revision if the migrations should keep them"
    )
