"""After an upgrade, the objects it left failing: a view that cannot be read, a trigger or a
routine that names a column or a table the database no longer has.

PostgreSQL keeps a PL/pgSQL function (a trigger's too) naming a dropped column, MariaDB keeps a
view, trigger, routine or event whatever it reads, and each fails only when used: a trigger on
every INSERT into its table, with nothing said when the upgrade ended. SQLite's ALTER TABLE
stops on a view or trigger reading the column, and batch mode's copy of a table drops its
triggers (named before the run: inspection/_hand_made_dependents.py), but a trigger writing
another table's dropped column (`UPDATE items SET qty`) stays: SQLite is asked which triggers
it cannot prepare, before the run and after (inspection/_sqlite_trigger_failures.py).

The look is one query before the run (the columns, only when a trigger or routine exists) and
one after (inspection/_broken_routines.py reads the two), plus, on MariaDB, `SELECT * ...
LIMIT 0` on each view, which reads no row. It is a look, not a check: the revisions ran and are
recorded, so the exit stands, and a look that cannot be made says nothing.

Only what the run itself broke is named: a routine naming a column or table it dropped, one it
made naming a column its table lacks (a revision made it, a later one of the run dropped the
column), a view it left unreadable (each view is read before it too). What was broken before,
or a run of no revision (the database at head already), is status's to say, not this
warning's, which blames the migrations. Advice by who made each (inspection/_broken_advice.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.inspection._broken_routines import Broken, Dropped
    from alembic_steward.runtime._post_upgrade_listing import Listing

# The databases that keep an object naming what a migration dropped.
LOOKED_AT = ("postgresql", "mysql", "mariadb")


class Before(NamedTuple):
    """What the look reads before the run: the listing, and the views already unreadable."""

    listing: Listing
    unreadable: frozenset[str]


class SqliteBefore(NamedTuple):
    """SQLite: the triggers it could not prepare before the run, (table, name); and its
    indexes, views and triggers (runtime/_hand_object_losses.py), and what the run's batch
    copies then meet of them, filled as it goes (runtime/_batch_losses.py)."""

    failing: frozenset[tuple[str, str]]
    objects: tuple[tuple[str, str, str, str], ...] = ()
    at_copy: dict[tuple[str, str], tuple[str, str]] | None = None


def schema_before_upgrade() -> Before | SqliteBefore | None:
    """Each table's columns before the run, when the database has a trigger or a routine
    (PostgreSQL, MySQL/MariaDB), and the views that cannot be read already; on SQLite, the
    triggers it cannot prepare already; None elsewhere, or when they could not be read."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._post_upgrade_listing import read_listing

    engine = get_blocking_engine()
    if engine.dialect.name == "sqlite":
        return sqlite_before(engine)
    if engine.dialect.name not in LOOKED_AT:  # SQLite: connecting would create a missing file
        return None
    try:
        with engine.connect() as connection:
            listing = read_listing(connection, bodies=False)
            failing = view_failures(connection, listing.views) if listing else {}
            connection.rollback()
    except SQLAlchemyError:
        return None
    return Before(listing, frozenset(failing)) if listing else None


def view_failures(connection: Connection, views: list[str]) -> dict[str, str]:
    """Each of ``views`` that cannot be read, and why."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.runtime._driver_errors import error_reason

    quote = connection.dialect.identifier_preparer.quote
    failures = {}
    for view in sorted(views):
        try:
            with connection.begin_nested():
                connection.execute(text(f"SELECT * FROM {quote(view)} LIMIT 0"))
        except DBAPIError as error:
            failures[view] = error_reason(error)
    return failures


def unreadable_views(connection: Connection, views: list[str]) -> list[Broken]:
    """Each of ``views`` that cannot be read, with why and the statement that drops it; keyed
    as a catalog keys it, so a view a revision made is advised as the revisions' own
    (inspection/_broken_advice.py reads who made it by that name), though its definition
    cannot be read back to say what it named."""
    from alembic_steward.inspection._broken_routines import Broken

    return [
        Broken(
            f"view {view} can no longer be read ({reason})",
            f"DROP VIEW {view}",
            (),
            ("view", None, "", view),
        )
        for view, reason in view_failures(connection, views).items()
    ]


def sqlite_before(engine) -> SqliteBefore | None:
    """The triggers SQLite cannot prepare before the run (inspection/_sqlite_trigger_failures.py):
    none in a database file that does not exist yet (not connected to: that would create it);
    None for an in-memory database, which the run's own connection alone sees."""
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._sqlite_trigger_failures import SCHEMA, prepare_failures
    from alembic_steward.runtime._batch_losses import collect_copy_definitions
    from alembic_steward.runtime._hand_object_losses import hand_kind_entries

    database = engine.url.database
    if not database or database == ":memory:":
        return None
    if not Path(database).exists():
        return SqliteBefore(frozenset())
    try:
        with engine.connect() as connection:
            rows = [tuple(row) for row in connection.exec_driver_sql(SCHEMA).fetchall()]
            objects = hand_kind_entries(connection)
            connection.rollback()
    except SQLAlchemyError:
        return None
    return SqliteBefore(frozenset(prepare_failures(rows)), objects, collect_copy_definitions())


def sqlite_broken_after(engine, before: SqliteBefore) -> list[Broken]:
    """The triggers SQLite cannot prepare after the run that it could before: a body writing a
    column the run dropped (`UPDATE items SET qty`), which its DROP COLUMN lets through."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._sqlite_trigger_failures import broken_sqlite_objects

    try:
        with engine.connect() as connection:
            found = broken_sqlite_objects(connection)
            connection.rollback()
    except SQLAlchemyError:
        return []
    return [item for item in found if (item.key[2], item.key[3]) not in before.failing]


def broken_after_upgrade(before: Before | SqliteBefore | None) -> list[Broken]:
    """The views, triggers and routines the run left failing, given what
    :func:`schema_before_upgrade` read (None: nothing can be told the run's doing, so [])."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._broken_dependents import with_readers
    from alembic_steward.runtime._post_upgrade_listing import read_listing

    engine = get_blocking_engine()
    if isinstance(before, SqliteBefore):
        return sqlite_broken_after(engine, before)
    if before is None or engine.dialect.name not in LOOKED_AT:
        return []
    try:
        with engine.connect() as connection:
            after = read_listing(connection, bodies=True)
            if after is None:
                return []
            readable = [view for view in after.views if view not in before.unreadable]
            views = unreadable_views(connection, readable)
            found = broken_in_listing(engine.dialect.name, before.listing, after)
            # PostgreSQL refuses their drops while a view reads them: it goes first.
            broken = with_readers(connection, views + found)
            connection.rollback()
    except SQLAlchemyError:
        return []
    return broken


def broken_in_listing(dialect: str, before: Listing, after: Listing) -> list[Broken]:
    """The triggers and routines of ``after`` (the listing after the run) that name what the
    run dropped, or that the run made naming a column their table lacks."""
    from alembic_steward.inspection._broken_routines import broken_routines, dropped_between

    dropped = with_renames(dropped_between(before.columns, after.columns), after.columns)
    # One the run made is its doing whatever it names: its revision built it broken.
    had = {body[:4] for body in before.bodies}
    kept = [body for body in after.bodies if body[:4] in had]
    made = [body for body in after.bodies if body[:4] not in had]
    found = broken_routines(dialect, kept, after.columns, dropped)
    # A column or table made and taken away within the run is in no listing: the revision
    # files name it.
    dropped_within = history_dropped(after.columns, tables=True) if made else dropped
    made_broken = broken_routines(dialect, made, after.columns, dropped_within, every_row=True)
    return found + made_broken


def history_dropped(columns: dict, *, tables: bool = False) -> Dropped:
    """The columns the revisions' `drop_column` calls drop (inspection/_revision_column_drops.py)
    that the tables ``columns`` lists (after the run) lack; with ``tables``, also the tables
    their `drop_table` and `rename_table` calls take away that it lacks (status's reading,
    which has no listing from before)."""
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._broken_routines import Dropped
    from alembic_steward.inspection._revision_column_drops import history_column_drops_any
    from alembic_steward.inspection._revision_tables_taken import (
        history_table_drops,
        history_table_renames,
    )
    from alembic_steward.runtime._config import build_alembic_config

    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        drops = history_column_drops_any(script)
        tables_gone = history_table_drops(script) if tables else set()
        renamed = history_table_renames(script, columns) if tables else {}
    except Exception:  # noqa: BLE001 - no history to read: only the listings count
        drops, tables_gone, renamed = set(), set(), {}
    gone = {(None, t, c) for t, c in drops if c not in columns.get((None, t), {c})}
    lacked = {(None, table) for table in tables_gone if (None, table) not in columns}
    return Dropped(frozenset(lacked), frozenset(gone), renamed)


def with_renames(dropped: Dropped, columns: dict) -> Dropped:
    """``dropped`` with the new names of its tables a revision renamed (read from the revision
    files) that ``columns`` (the tables after the run) lists, so a warning says `renamed to
    articles`, not `dropped`."""
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._revision_tables_taken import history_table_renames
    from alembic_steward.runtime._config import build_alembic_config

    if not dropped.tables:
        return dropped
    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        return dropped._replace(renamed=history_table_renames(script, columns))
    except Exception:  # noqa: BLE001 - no history to read: said as dropped
        return dropped


def broken_after_upgrade_line(before: Before | SqliteBefore | None) -> str | None:
    """The warning naming what the upgrade left failing, what fails and what to do; None when
    nothing does."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._broken_advice import (
        advice_by_maker,
        history_upgrades,
        pending_upgrades,
    )

    broken = broken_after_upgrade(before)
    if not broken:
        return None
    named = "; ".join(item.line for item in broken)
    dialect = get_blocking_engine().dialect.name
    server = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(dialect, "MariaDB")
    return (
        "warning: the upgrade's revisions ran and are recorded, but the database now has"
        f" objects that fail: {named}: {server} let the migrations drop what they name and"
        f" kept them; {advice_by_maker(broken, history_upgrades(), pending_upgrades())}"
    )
