"""After an upgrade, the objects it left failing: a view that cannot be read, a trigger or a
routine that names a column or a table the database no longer has.

PostgreSQL keeps a PL/pgSQL function (a trigger's too) naming a dropped column, MariaDB keeps a
view, trigger, routine or event whatever it reads, and each fails only when used: a trigger on
every INSERT into its table, with nothing said when the upgrade ended. SQLite needs no look: its
ALTER TABLE stops on a view or trigger naming the column, and batch mode's copy of a table
drops its triggers (named before the run: inspection/_hand_made_dependents.py).

The look is one query before the run (the columns, only when a trigger or routine exists) and
one after (inspection/_broken_routines.py reads the two), plus, on MariaDB, `SELECT * ...
LIMIT 0` on each view, which reads no row. It is a look, not a check: the revisions ran and are
recorded, so the exit stands, and a look that cannot be made says nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.inspection._broken_routines import Broken
    from alembic_steward.runtime._post_upgrade_listing import Listing

# The databases that keep an object naming what a migration dropped.
LOOKED_AT = ("postgresql", "mysql", "mariadb")


def schema_before_upgrade() -> Listing | None:
    """Each table's columns before the run, when the database has a trigger or a routine
    (PostgreSQL, MySQL/MariaDB); None elsewhere, or when they could not be read."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._post_upgrade_listing import read_listing

    engine = get_blocking_engine()
    if engine.dialect.name not in LOOKED_AT:  # SQLite: connecting would create a missing file
        return None
    try:
        with engine.connect() as connection:
            listing = read_listing(connection, bodies=False)
            connection.rollback()
    except SQLAlchemyError:
        return None
    return listing


def unreadable_views(connection: Connection, views: list[str]) -> list[Broken]:
    """Each of ``views`` that cannot be read, with why and the statement that drops it."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.inspection._broken_routines import Broken
    from alembic_steward.runtime._driver_errors import error_reason

    quote = connection.dialect.identifier_preparer.quote
    broken = []
    for view in sorted(views):
        try:
            with connection.begin_nested():
                connection.execute(text(f"SELECT * FROM {quote(view)} LIMIT 0"))
        except DBAPIError as error:
            line = f"view {view} can no longer be read ({error_reason(error)})"
            broken.append(Broken(line, f"DROP VIEW {view}", ()))
    return broken


def broken_after_upgrade(before: Listing | None) -> list[Broken]:
    """The views, triggers and routines that fail after the run, given the listing from
    :func:`schema_before_upgrade` (None: only what a trigger's row names is read)."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._broken_routines import broken_routines, dropped_between
    from alembic_steward.runtime._post_upgrade_listing import read_listing

    engine = get_blocking_engine()
    if engine.dialect.name not in LOOKED_AT:
        return []
    try:
        with engine.connect() as connection:
            after = read_listing(connection, bodies=True)
            views = unreadable_views(connection, after.views) if after else []
            connection.rollback()
    except SQLAlchemyError:
        return []
    if after is None:
        return []
    dropped = dropped_between(before.columns, after.columns) if before else None
    return views + broken_routines(engine.dialect.name, after.bodies, after.columns, dropped)


def broken_after_upgrade_line(before: Listing | None) -> str | None:
    """The warning naming what the upgrade left failing, what fails and what to do; None when
    nothing does."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._broken_routines import broken_advice

    broken = broken_after_upgrade(before)
    if not broken:
        return None
    named = "; ".join(item.line for item in broken)
    server = "PostgreSQL" if get_blocking_engine().dialect.name == "postgresql" else "MariaDB"
    return (
        "warning: the upgrade's revisions ran and are recorded, but the database now has"
        f" objects that fail: {named}: {server} let the migrations drop what they name and"
        f" kept them; {broken_advice(broken)}"
    )
