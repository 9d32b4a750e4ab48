"""The models' description: built from what `create_all` runs, over several connections on a
server, kept under a fingerprint of that DDL, and never answered from a description of other
models (issue 19)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from servers import ServerDatabase, only_on
from sqlalchemy import (
    DDL,
    Column,
    Connection,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    create_engine,
    event,
)

from alembic_steward.catalog import Catalog, compare_catalogs, describe_catalog
from alembic_steward.inspection._models_catalog import ModelsNotDescribable, models_catalog

NODES = 20


def web(kind: str) -> MetaData:
    """Tables that must be made in order: a chain of foreign keys, a pair referring to each other
    (one key added after both), indexes, comments, a shared enum type, a sequence where the
    server has them, and a view an event creates once the tables are there."""
    metadata = MetaData()
    kinds = Enum("leaf", "branch", name="node_kind")
    for number in range(NODES):
        columns = [
            Column("id", Integer, primary_key=True),
            Column("name", String(40), comment="as shown"),
            Column("kind", kinds),
        ]
        if number:
            columns.append(Column("parent_id", Integer, ForeignKey(f"node_{number - 1:02d}.id")))
        table = Table(f"node_{number:02d}", metadata, *columns, comment=f"level {number}")
        Index(f"ix_node_{number:02d}_name", table.c.name)
    right = ForeignKey("right_side.id", use_alter=True, name="fk_left_side_right")
    Table("left_side", metadata, Column("id", Integer, primary_key=True), Column("right_id", right))
    left = ForeignKey("left_side.id", name="fk_right_side_left")
    Table("right_side", metadata, Column("id", Integer, primary_key=True), Column("left_id", left))
    if kind != "sqlite":
        Sequence("ticket_numbers", start=1000, metadata=metadata)
    last = f"node_{NODES - 1:02d}"
    view = DDL(f"CREATE VIEW named_nodes AS SELECT id, name FROM {last}")
    event.listen(metadata, "after_create", view)
    return metadata


def tickets(start: int) -> MetaData:
    metadata = MetaData()
    Sequence("ticket_numbers", start=start, metadata=metadata)
    Table("tickets", metadata, Column("id", Integer, primary_key=True))
    return metadata


@pytest.fixture
def connection(database: ServerDatabase) -> Iterator[Connection]:
    engine = create_engine(database.url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def lines(expected: Catalog, actual: Catalog) -> list[str]:
    return [difference.line() for difference in compare_catalogs(expected, actual)]


def models_scratch_databases(database: ServerDatabase) -> set[str]:
    """Databases on the server named like the scratch ones the models are built in."""
    if database.kind == "sqlite":
        return set()
    name = urlsplit(database.url).path.lstrip("/")
    sql = (
        "SELECT datname FROM pg_database"
        if database.kind == "postgresql"
        else "SELECT schema_name FROM information_schema.schemata"
    )
    return {row[0] for row in database.query(sql) if row[0].startswith(f"{name}_models_")}


def test_models_built_over_several_connections_describe_as_create_all_builds_them(
    database: ServerDatabase, connection: Connection
) -> None:
    built = models_catalog(connection, web(database.kind), set())
    with connection.begin():
        web(database.kind).create_all(connection)
    created = describe_catalog(connection)
    assert ("view", None, "", "named_nodes") in created.objects
    assert lines(created, built) == []
    assert models_scratch_databases(database) == set()


def test_a_changed_model_is_never_answered_with_the_description_kept_for_the_old_one(
    database: ServerDatabase, connection: Connection, tmp_path: Path, monkeypatch
) -> None:
    models_catalog(connection, tickets(start=1000), set())
    kept = models_catalog(connection, tickets(start=5), set())
    monkeypatch.setenv("ALEMBIC_STEWARD_CACHE", str(tmp_path / "empty"))
    fresh = models_catalog(connection, tickets(start=5), set())
    assert lines(fresh, kept) == []


def test_a_model_the_server_refuses_is_named_and_its_scratch_database_dropped(
    database: ServerDatabase, connection: Connection
) -> None:
    metadata = web(database.kind)
    refused = DDL("CREATE INDEX ix_nowhere ON nowhere (id)")
    event.listen(metadata.tables["node_05"], "after_create", refused)
    with pytest.raises(ModelsNotDescribable) as raised:
        models_catalog(connection, metadata, set())
    # Without the project's settings the driver's message is withheld (it could hold a
    # password); what failed is still said.
    assert str(raised.value).startswith("the models' own CREATE statements fail on this server")
    assert models_scratch_databases(database) == set()


def test_the_models_are_described_on_a_thread_of_their_own_while_the_caller_goes_on(
    monkeypatch, tmp_path: Path
) -> None:
    """`db.check` and `db.status` read the revisions while a scratch build waits for the
    server: the block runs at once, and the description comes when it is done."""
    from alembic_steward.inspection import _catalog_drift, _models_catalog

    built = Catalog("sqlite", {("table", None, "", "tickets"): {}})
    running, release = threading.Event(), threading.Event()
    threads = []

    def slow_build(connection: Connection, metadata: MetaData, ignored: set[str], stop) -> Catalog:
        threads.append(threading.current_thread())
        running.set()
        # Built on the caller's thread, this would wait out its timeout and fail the test.
        assert release.wait(timeout=5), "the caller was kept waiting for the models"
        return built

    monkeypatch.setattr(_models_catalog, "models_catalog", slow_build)
    monkeypatch.setattr(_catalog_drift, "imported_metadata", MetaData)
    monkeypatch.setattr(_catalog_drift, "ignored_tables", set)
    engine = create_engine(f"sqlite:///{tmp_path / 'live.db'}")
    try:
        with (
            engine.connect() as connection,
            _catalog_drift.models_described_meanwhile(connection) as pending,
        ):
            assert running.wait(timeout=5)
            assert not pending.done()
            release.set()
            assert pending.result(timeout=5) is built
    finally:
        release.set()
        engine.dispose()
    assert threads[0] is not threading.main_thread()


def test_a_caller_that_gives_up_stops_the_build_it_started(monkeypatch, tmp_path: Path) -> None:
    """Ctrl-C (or an error) while the revisions are read: the build is told to stop, so the
    command does not wait at exit for hundreds of CREATE TABLEs nobody will read."""
    from alembic_steward.inspection import _catalog_drift, _models_catalog

    stops = []

    def build(connection: Connection, metadata: MetaData, ignored: set[str], stop) -> Catalog:
        stops.append(stop)
        return Catalog("sqlite", {})

    monkeypatch.setattr(_models_catalog, "models_catalog", build)
    monkeypatch.setattr(_catalog_drift, "imported_metadata", MetaData)
    monkeypatch.setattr(_catalog_drift, "ignored_tables", set)
    engine = create_engine(f"sqlite:///{tmp_path / 'live.db'}")
    try:
        with (
            engine.connect() as connection,
            pytest.raises(KeyboardInterrupt),
            _catalog_drift.models_described_meanwhile(connection) as pending,
        ):
            pending.result(timeout=5)
            raise KeyboardInterrupt
    finally:
        engine.dispose()
    assert stops[0].is_set()


def test_statements_stopped_before_they_ran_raise_rather_than_leave_half_a_build(
    tmp_path: Path,
) -> None:
    """A stopped build never looks finished: describing half the models would keep a wrong
    description under their fingerprint."""
    from alembic_steward.inspection._parallel_ddl import BuildStopped, run_in_parallel

    engine = create_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
    stop = threading.Event()
    stop.set()
    try:
        statements = [f"CREATE TABLE t{number} (id INTEGER)" for number in range(8)]
        with pytest.raises(BuildStopped):
            run_in_parallel(engine, statements, [set()] * len(statements), stop=stop)
        with engine.connect() as connection:
            assert describe_catalog(connection).objects == {}
    finally:
        engine.dispose()


@only_on(
    "postgresql", "mysql", why="SQLite builds the models in one transaction of a temporary file"
)
def test_a_stopped_build_keeps_nothing_and_drops_its_scratch_database(
    database: ServerDatabase, connection: Connection
) -> None:
    from alembic_steward._cache import cache_dir
    from alembic_steward.inspection._parallel_ddl import BuildStopped

    stop = threading.Event()
    stop.set()
    with pytest.raises(BuildStopped):
        models_catalog(connection, web(database.kind), set(), stop=stop)
    assert models_scratch_databases(database) == set()
    assert list(cache_dir().glob("models-*.json")) == []
    # Not stopped, the same models are built and kept as usual.
    models_catalog(connection, web(database.kind), set())
    assert len(list(cache_dir().glob("models-*.json"))) == 1
