"""The objects a database holds that fail when used, as `inv db.status` and `inv db.check` name
them: the upgrade's look (runtime/_post_upgrade_look.py) read now, with no listing from before.

One reader for both, so status names every kind the upgrade's warning names: a trigger whose
`NEW.x` its table lacks, a function, procedure or event naming a column a revision's
`drop_column` dropped (read from the revision files: inspection/_revision_column_drops.py,
with its table too), and on MariaDB a view that cannot be read. Before, status read triggers
only, from its catalog, and said `up to date` over a function every call of which fails.
SQLite keeps no routine and refuses a drop a view names: SQLite alone is asked which triggers
it cannot prepare (inspection/_sqlite_trigger_failures.py), as the upgrade's look asks it. That
covers every clause a `NEW.x` reading of the catalog covers, and more (one writing another
table's dropped column, `UPDATE items SET qty`, survives its ALTER TABLE DROP COLUMN); a
second reading named the same trigger twice in other words, and called an `UPDATE OF` a
column the table lacks failing, though nothing can fire it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.catalog import Catalog
    from alembic_steward.inspection._broken_routines import Broken


def broken_now(connection: Connection, live: Catalog) -> tuple[Broken, ...]:
    """What fails in ``connection``'s database (``live``: its catalog, read already); () when
    the look cannot be made (the catalog's triggers then)."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._broken_dependents import with_readers
    from alembic_steward.inspection._broken_routines import broken_in_catalog, broken_routines
    from alembic_steward.runtime._post_upgrade_listing import read_listing
    from alembic_steward.runtime._post_upgrade_look import (
        LOOKED_AT,
        history_dropped,
        unreadable_views,
    )

    dialect = connection.dialect.name
    if dialect == "sqlite":
        return sqlite_s_own(connection, live)
    if dialect not in LOOKED_AT:
        return broken_in_catalog(live)
    try:
        listing = read_listing(connection, bodies=True)
        views = unreadable_views(connection, listing.views) if listing else []
    except SQLAlchemyError:
        return broken_in_catalog(live)
    if listing is None:
        return broken_in_catalog(live)
    dropped = history_dropped(listing.columns, tables=True) if listing.bodies else None
    # The schemas status describes (a schema tenant's, say): not another tenant's objects.
    schemas = {key[1] for key in live.objects} | {None}
    bodies = [body for body in listing.bodies if body.schema in schemas]
    found = broken_routines(
        dialect, bodies, listing.columns, dropped, every_row=True, dropper="a revision"
    )
    try:  # PostgreSQL refuses their drops while a view reads them: it goes first.
        return tuple(with_readers(connection, [*views, *found]))
    except SQLAlchemyError:
        return (*views, *found)


def sqlite_s_own(connection: Connection, live: Catalog) -> tuple[Broken, ...]:
    """The triggers SQLite cannot prepare (inspection/_sqlite_trigger_failures.py); the
    catalog's reading (``live``) where SQLite cannot be asked."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._broken_routines import broken_in_catalog
    from alembic_steward.inspection._sqlite_trigger_failures import broken_sqlite_objects

    try:
        return tuple(broken_sqlite_objects(connection))
    except SQLAlchemyError:
        return broken_in_catalog(live)
