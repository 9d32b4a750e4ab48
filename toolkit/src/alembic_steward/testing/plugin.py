"""Fixtures giving each test a database of its own, never the one DATABASE_URL names.

The server comes from TEST_DATABASE_URL, else DATABASE_URL (environment, then `.env`), else
SQLite. On a server, each database is created fresh beside the named one and dropped afterwards;
on SQLite it is a temporary file. Either way the named database itself is never touched.

Under `inv db.previous-release-check` (ALEMBIC_STEWARD_EXPANDED_DATABASE_URL set), the migrated
database is the one the check upgraded with a newer release's expand phase, used as it is, and
the migration checks are skipped: they check this release's history, which passed them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, NoReturn

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, pool
from sqlalchemy.orm import Session

from alembic_steward._wiring import get_settings
from alembic_steward.inspection._scratch_database import (
    ScratchDatabaseRefused,
    alembic_config_on,
    scratch_database,
)
from alembic_steward.runtime._config import build_alembic_config
from alembic_steward.runtime._revision_ids import (
    DuplicateRevisionId,
    refusing_duplicate_revision_ids,
)
from alembic_steward.testing._async_session import async_session_rolled_back_after
from alembic_steward.testing._plain_upgrade import PlainUpgrade, running_upgrade
from alembic_steward.testing._stairway import StairwayWalk, walk_stairway
from alembic_steward.urls import DatabaseUrlError, hide_password, redact_password, with_driver

try:
    import pytest_asyncio
except ImportError:  # async_db_session then says how to get it
    pytest_asyncio = None

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

# Set by `inv db.previous-release-check` (tasks/_previous_release.py).
EXPANDED_DATABASE_VARIABLE = "ALEMBIC_STEWARD_EXPANDED_DATABASE_URL"
CHECKS_MODULE = "alembic_steward.testing.checks"
# Failure reports never show a database password.
pytest_plugins = ["alembic_steward.testing._password_redaction"]


def server_url() -> URL | None:
    """The server the tests create their databases on, or None for temporary SQLite files."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        settings = get_settings()
        url = settings.database.value if settings.database.source != "default" else None
    if not url:
        if get_settings().database.value:  # a SQLite project's default file
            return None
        # A server project's models may use types SQLite does not have.
        pytest.fail(
            "TEST_DATABASE_URL and DATABASE_URL are not set; `cp .env.example .env`",
            pytrace=False,
        )
    try:
        parsed = make_url(with_driver(url, use_async=False))
    except DatabaseUrlError as error:
        pytest.fail(str(error), pytrace=False)
    return None if parsed.get_backend_name() == "sqlite" else parsed


def fail_without_password(reason: str, server: URL) -> NoReturn:
    """Fail the test in one line: a driver's traceback would show its connect arguments."""
    reason = redact_password(reason, server.render_as_string(hide_password=False))
    shown = hide_password(server)
    pytest.fail(f"cannot create a test database on {shown}: {reason}", pytrace=False)


@contextmanager
def fresh_database(directory: Path) -> Iterator[str]:
    """Create an empty database for one user of it; yield its (blocking) URL; drop it after."""
    server = server_url()
    if server is None:
        yield f"sqlite:///{(directory / 'test.db').as_posix()}"
        return
    # Built the way `inv db.status` builds the database it compares the live one with.
    try:
        with scratch_database(server, "test") as url:
            yield url.render_as_string(hide_password=False)
    except ScratchDatabaseRefused as refused:  # raised only when creating it, before the yield
        fail_without_password(str(refused), server)


def let_sqlite_manage_its_own_transactions(engine: Engine) -> None:
    """Make pysqlite honour BEGIN and SAVEPOINT, which a rolled-back test session relies on.

    This is SQLAlchemy's documented recipe: pysqlite otherwise starts and ends transactions on
    its own, so a rollback after a savepoint would not undo what was written.
    """

    @event.listens_for(engine, "connect")
    def disable_pysqlite_transactions(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None
        # A throwaway database needs no fsync at each of the stairway's many commits.
        dbapi_connection.execute("PRAGMA synchronous = OFF")

    @event.listens_for(engine, "begin")
    def emit_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


@contextmanager
def connection_to(url: str) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=pool.NullPool)
    if engine.dialect.driver == "pymysql":
        from alembic_steward.runtime._mysql_tls import sharing_tls

        sharing_tls(engine)  # a CA bundle read per connection: 20 ms each, for nothing
    if engine.dialect.name == "sqlite":
        let_sqlite_manage_its_own_transactions(engine)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database that lives only as long as the test."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    """A connection to the test's empty database."""
    with connection_to(database_url) as connection:
        yield connection


@pytest.fixture
def alembic_config(connection: Connection) -> Config:
    """The project's Alembic config, running migrations on the test's connection."""
    return alembic_config_on(connection)


class ExpandedDatabase(NamedTuple):
    """The database a previous-release check migrated before the tests started."""

    url: str

    def wait(self) -> None:
        """Nothing to wait for: the check upgraded it before starting pytest."""


@pytest.fixture(scope="session")
def plain_upgrade(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PlainUpgrade | ExpandedDatabase]:
    """A fresh database being upgraded to head by `python -m app.migrations upgrade` (under a
    previous-release check, the database it upgraded with `--phase expand`)."""
    expanded = os.environ.get(EXPANDED_DATABASE_VARIABLE)
    if expanded:
        yield ExpandedDatabase(expanded)
        return
    directory = tmp_path_factory.mktemp("migrated")
    with fresh_database(directory) as url, running_upgrade(url, directory) as upgrade:
        yield upgrade


@pytest.fixture(scope="session")
def migrated_connection(plain_upgrade: PlainUpgrade) -> Iterator[Connection]:
    """A connection to one database migrated to head, shared by every test of the run."""
    plain_upgrade.wait()
    with connection_to(plain_upgrade.url) as conn:
        yield conn


def pytest_configure(config: pytest.Config) -> None:
    """Ignore SQLAlchemy's warning that SQLite's reflection skips an expression index: the
    stairway's batch steps reflect their tables, and the catalog reads those indexes itself
    (a lost one fails `test_no_upgrade_loses_a_trigger_or_index_it_does_not_drop`), so the
    warning in the summary told the team nothing (inspection/_reflection_warnings.py)."""
    from alembic_steward.inspection._reflection_warnings import SKIPPED_EXPRESSION_INDEX

    config.addinivalue_line(
        "filterwarnings", f"ignore:{SKIPPED_EXPRESSION_INDEX}:sqlalchemy.exc.SAWarning"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the stairway's tests first: the plain upgrade goes on beside it (plain_upgrade.py).

    Under a previous-release check, skip the migration checks instead.
    """
    items.sort(key=lambda item: "stairway" not in getattr(item, "fixturenames", ()))
    if os.environ.get(EXPANDED_DATABASE_VARIABLE):
        skip = pytest.mark.skip(
            reason="a previous-release check runs the release's own tests; its migration"
            " checks passed when it was made"
        )
        for item in items:
            if getattr(getattr(item, "function", None), "__module__", "") == CHECKS_MODULE:
                item.add_marker(skip)


@contextmanager
def session_rolled_back_after(connection: Connection) -> Iterator[Session]:
    """Yield a session whose work, commits included, is rolled back when the block ends."""
    if connection.in_transaction():
        # Only reads (inspection, revision checks) share this connection between tests.
        connection.rollback()
    transaction = connection.begin()
    # create_savepoint: the session's own commit() releases a savepoint, not the transaction.
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()


@pytest.fixture
def db_session(migrated_connection: Connection) -> Iterator[Session]:
    """A session on the migrated database; whatever the test writes is rolled back after it."""
    with session_rolled_back_after(migrated_connection) as session:
        yield session


if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def async_db_session(plain_upgrade: PlainUpgrade) -> AsyncIterator[AsyncSession]:
        """An AsyncSession on the migrated database, through the app's asyncio driver;
        whatever the test writes is rolled back after it (mark the test `pytest.mark.asyncio`).
        """
        plain_upgrade.wait()
        async with async_session_rolled_back_after(plain_upgrade.url) as session:
            yield session

else:

    @pytest.fixture
    def async_db_session() -> NoReturn:
        """Needs pytest-asyncio, which alembic-steward's `testing` extra installs."""
        pytest.fail(
            "async_db_session needs pytest-asyncio; install it (`python -m pip install"
            " pytest-asyncio`, or alembic-steward's `testing` extra)",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def script() -> ScriptDirectory:
    """The history, read from app/migrations/versions once for the whole module."""
    script = ScriptDirectory.from_config(build_alembic_config())
    try:
        # Alembic only warns when two files share an id, then sees a second head: a copied
        # file would read as "several heads", and `inv db.merge` would fail on it.
        with refusing_duplicate_revision_ids():
            script.revision_map.heads  # noqa: B018 - reading the history is the point
    except DuplicateRevisionId as error:
        pytest.fail(str(error), pytrace=False)
    except Exception:  # noqa: BLE001, S110 - a broken chain is for the tests below to name
        pass
    return script


@pytest.fixture(scope="module")
def stairway(
    tmp_path_factory: pytest.TempPathFactory, script: ScriptDirectory, plain_upgrade: PlainUpgrade
) -> StairwayWalk:
    """Walk each revision up, down and up again on a fresh database.

    Asking for plain_upgrade starts it first, so the plain upgrade runs while the stairway walks.
    """
    with fresh_database(tmp_path_factory.mktemp("stairway")) as url, connection_to(url) as conn:
        return walk_stairway(conn, script)
