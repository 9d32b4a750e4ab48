"""Throwaway databases on the same server, for building what the migrations make.

`inv db.status` and `inv db.check` migrate one to the live database's revision, to tell a
database that differs from its revision apart from models that need a new one; the baked tests
build theirs the same way. On a server it is created beside the named database with the same
credentials and dropped afterwards, however the run ends, unless its process is killed; what a
killed run left, the next command removes (inspection/_scratch_sweep.py). On SQLite it is
a file in a temporary folder.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import URL, Connection, Engine


class ScratchDatabaseRefused(Exception):
    """The server would not create a database for these credentials (the reason is the text);
    ``grant``: what to have granted, when the user lacks the right (inspection/_scratch_grants.py).
    """

    grant = ""
    # The driver's error behind it: a sign-in the server refused (a wrong password, an unknown
    # user) is then told, and exits, as when the live database refuses it (tasks/_user_errors.py).
    driver_error: BaseException | None = None


# Set on a signal's exception (KeyboardInterrupt, Terminated) that stopped a scratch build:
# True once the scratch database was removed, or the names of those that may remain.
SCRATCH_REMOVED = "alembic_steward_scratch_removed"
SCRATCH_LEFT = "alembic_steward_scratch_left"
# Set too when the signal landed in the drop that ends the build, not in the build itself.
SCRATCH_DROPPING = "alembic_steward_scratch_dropping"


@contextmanager
def scratch_database(server: URL, label: str) -> Iterator[URL]:
    """Create an empty database beside ``server``'s (a blocking URL); yield its URL; drop it.

    A signal that stops the caller gets SCRATCH_REMOVED (or SCRATCH_LEFT) set, so the line
    reporting it says what remains (scratch_line).
    """
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.inspection._left_scratch_databases import (
        SWEPT_LABELS,
        remove_left_scratch_databases,
        scratch_name,
    )
    from alembic_steward.inspection._scratch_locks import hold_scratch_lock
    from alembic_steward.inspection._scratch_schemas import create_schemas, search_path_schemas
    from alembic_steward.runtime._driver_errors import first_line, names_a_missing_database
    from alembic_steward.runtime._server_databases import (
        admin_engine,
        create_database_on,
        maintenance_url,
    )

    if server.get_backend_name() == "sqlite":
        directory = tempfile.TemporaryDirectory(prefix=f"{label}-")
        with removed_whatever_happens(directory.cleanup, directory.name):
            yield server.set(database=str(Path(directory.name) / f"{label}.db"))
        return
    name = scratch_name(server.database, label)
    # Through the live database itself: its charset is the scratch one's, and a user who may
    # connect only there still gets a scratch database. One session creates the database, holds
    # its lock meanwhile (inspection/_scratch_locks.py) and drops it.
    admin = admin_engine(server)
    held: Connection | None = None
    try:
        held = admin.connect()
    except DBAPIError as error:
        admin.dispose()
        if not names_a_missing_database(error):
            refused = ScratchDatabaseRefused(first_line(error))
            refused.driver_error = error
            raise refused from None
        # The named database does not exist yet (a test server's URL): the server's own
        # maintenance database serves, as `inv db.create` does.
        admin = admin_engine(maintenance_url(server))

    def drop() -> None:
        try:
            if admin.dialect.name == "mysql":
                empty_in_parallel(server.set(database=name))
            dropped_on(held, admin, name)
        finally:
            if held is not None:
                held.close()  # frees the lock: the database is gone
            admin.dispose()

    try:
        if held is None:
            held = admin.connect()
        # What killed runs left (inspection/_left_scratch_databases.py), before adding one.
        remove_left_scratch_databases(held, server.database)
        schemas = search_path_schemas(held)
        hold_scratch_lock(held, name)  # before the CREATE: no moment when it is unlocked
        create_database_on(held, name)
        if admin.dialect.name == "postgresql":
            # A throwaway database needs no wait for the disk at each of its many commits.
            quoted = admin.dialect.identifier_preparer.quote(name)
            held.exec_driver_sql(f"ALTER DATABASE {quoted} SET synchronous_commit = off")
        if label not in SWEPT_LABELS:
            # Never swept, so its lock guards nothing; and a baked test session's would keep a
            # session on the named database (often the developer's own) for the whole session.
            held.close()
    except DBAPIError as error:
        if held is not None:
            held.close()
        admin.dispose()
        from alembic_steward.inspection._scratch_grants import refusal

        raise refusal(error, server) from None
    except BaseException as error:  # a signal: the CREATE may have run
        if held is not None:
            # Maybe cut short mid-statement, its reply unread: the drop takes a new session.
            held.invalidate()
        note_removal(error, drop, name)
        raise
    with removed_whatever_happens(drop, name):
        if schemas:  # the main schema pinned in DATABASE_URL (inspection/_scratch_schemas.py)
            create_schemas(server.set(database=name), schemas)
        yield server.set(database=name)


def dropped_on(held: Connection | None, admin: Engine, name: str) -> None:
    """Drop the scratch database ``name`` on the session that created it; on a new one when that
    session is closed, lost or unusable (the server ended it, a signal cut a statement short)."""
    from alembic_steward.runtime._server_databases import drop_database_on

    if held is not None and not held.closed:
        try:
            # FORCE: sessions a failure left open must not keep the database alive.
            drop_database_on(held, name, force=True)
            return
        except Exception:  # noqa: BLE001 - a new session's drop says what is wrong, if anything
            pass
    with admin.connect() as connection:
        drop_database_on(connection, name, force=True)


@contextmanager
def removed_whatever_happens(remove: Callable[[], None], name: str) -> Iterator[None]:
    """Call ``remove`` after the block, however it ends; a signal's exception notes the outcome."""
    try:
        yield
    except BaseException as error:
        note_removal(error, remove, name)
        raise
    try:
        remove()
    except BaseException as error:
        if isinstance(error, Exception):
            raise
        # A signal that lands in the drop itself (a PostgreSQL driver cancels the DROP) would
        # leave the database, and the line would not name it: dropped once more, or named.
        setattr(error, SCRATCH_DROPPING, True)
        note_removal(error, remove, name)
        raise


def note_removal(error: BaseException, remove: Callable[[], None], name: str) -> None:
    """Remove the scratch database after ``error``; when ``error`` is a signal's, note on it
    whether that worked. An error's own removal failure replaces it, as a `finally` would."""
    try:
        remove()
    except BaseException:
        if isinstance(error, Exception):
            raise
        setattr(error, SCRATCH_LEFT, [*getattr(error, SCRATCH_LEFT, []), name])
        return
    if not isinstance(error, Exception):
        setattr(error, SCRATCH_REMOVED, True)


def scratch_activity(error: BaseException) -> str:
    """What the task was doing with its scratch database when the signal ``error`` came."""
    return "dropped" if getattr(error, SCRATCH_DROPPING, False) else "built"


def scratch_line(error: BaseException) -> str:
    """What a signal's ``error`` left of the scratch databases, as noted when it stopped."""
    left = getattr(error, SCRATCH_LEFT, [])
    if left:
        return (
            f"the scratch database {', '.join(left)} may remain, as its removal did not finish"
            " (drop it by hand)"
        )
    if getattr(error, SCRATCH_REMOVED, False):
        return "the scratch database was removed"
    return "no scratch database remains"


def unnamed_scratch(said: str, url: URL | None) -> str:
    """A server's message about a scratch database's object without that database's name
    (MySQL/MariaDB qualify a table with it: `db`.`t`, 'db.t'): a name the user never sees.
    With no ``url`` (the database is gone), any name shaped as `scratch_database` makes them."""
    import re

    if url is None:
        return re.sub(r"`?\w+_\w+_[0-9a-f]{12,13}`?\.", "", said)  # 12: older toolkits' names
    name = url.database
    if not name or url.get_backend_name() == "sqlite":
        return said
    return said.replace(f"`{name}`.", "").replace(f"{name}.", "")


@contextmanager
def revision_built(
    server: URL, revisions: list[str], *, label: str = "scratch"
) -> Iterator[Connection]:
    """A connection to a new scratch database beside ``server``'s (a blocking URL), migrated
    to each of ``revisions`` in turn through the project's own env.py, exactly as `inv
    db.upgrade` would build it; the database is dropped after.

    Raises ScratchDatabaseRefused when none can be made, or Alembic's CommandError /
    SQLAlchemy's SQLAlchemyError when the migrations fail there.
    """
    with scratch_database(server, label) as url:
        engine = scratch_engine(url)
        try:
            with engine.connect() as scratch:
                for revision in revisions:
                    upgrade_scratch(scratch, revision)
                yield scratch
        finally:
            engine.dispose()


@contextmanager
def quiet_alembic() -> Iterator[None]:
    """Keep Alembic's INFO lines about a scratch build out of the user's output: nothing the
    user ran is running (alembic.ini's logging, once configured, would print each step). Around
    each step, not a scratch database's lifetime: an env.py run in between configures logging
    again."""
    logger = logging.getLogger("alembic")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def upgrade_scratch(connection: Connection, revision: str) -> None:
    """Migrate a scratch database on ``connection`` to ``revision`` through the project's
    env.py, exactly as `inv db.upgrade` would, without printing Alembic's progress lines."""
    from alembic import command

    from alembic_steward.runtime._tenancy import tenant_unbound

    with quiet_alembic(), tenant_unbound():
        command.upgrade(alembic_config_on(connection), revision)


def empty_in_parallel(url: URL) -> None:
    """Drop a MySQL/MariaDB scratch database's tables over several connections, to drop it sooner.

    The server drops a database's tables one by one, each waiting for the disk; four at once
    take a quarter of the time (inspection/_parallel_ddl.py). Best effort: whatever is left,
    DROP DATABASE drops after this.
    """
    from sqlalchemy import create_engine, pool
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._parallel_ddl import drop_tables_in_parallel
    from alembic_steward.runtime._bounded_waits import bound_waits

    engine = bound_waits(create_engine(url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool))
    try:
        drop_tables_in_parallel(engine)
    except SQLAlchemyError:
        pass
    finally:
        engine.dispose()


def scratch_engine(url: URL) -> Engine:
    """An engine on a scratch database that keeps no connection once disposed.

    On SQLite its transactions cover DDL, and it never waits for the disk: a throwaway file
    needs no fsync at each commit, and each would cost a table's worth of time.
    """
    from sqlalchemy import create_engine, event, pool

    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._transactions import make_sqlite_ddl_transactional

    engine = make_sqlite_ddl_transactional(bound_waits(create_engine(url, poolclass=pool.NullPool)))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA synchronous = OFF"))
    return engine


def alembic_config_on(connection: Connection) -> Config:
    """The project's Alembic config, running migrations quietly on ``connection``."""
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._failed_runs import SCRATCH_BUILD

    config = build_alembic_config(quiet=True)
    config.attributes["connection"] = connection
    config.attributes[SCRATCH_BUILD] = True  # its failures are probes: not remembered
    # env.py sets up logging from alembic.ini when it has a file name: that would print each
    # step of a scratch build, and re-reading it at every step of a stairway dominates its cost.
    config.config_file_name = None
    return config
