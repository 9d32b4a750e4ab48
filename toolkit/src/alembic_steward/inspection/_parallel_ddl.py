"""Run a scratch database's DDL over a few connections at once, each statement after those it needs.

A server spends most of a CREATE or DROP TABLE waiting for its disk (MariaDB syncs each
table's files and its DDL log), so statements about different tables overlap well. Measured
with the 300 tables of the benchmark's models on this project's 2-core machine: MariaDB took
9.8 s to create them one after another and 1.7 s over four connections (eight were no
faster), PostgreSQL 2.1 s and 0.7 s; MariaDB dropped them in 5.3 s as one DROP DATABASE, 1.2 s
as one DROP TABLE each over four connections, and about a third of that as DROP TABLEs of
TABLES_PER_DROP tables each over four connections. Only scratch databases are built this way:
nothing else can see them half made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from sqlalchemy import DDL
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement

from alembic_steward.runtime._helper_threads import leave_stop_signals_to_the_main_thread

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Table
    from sqlalchemy.sql.base import Executable

PARALLEL_CONNECTIONS = 4
# Tables one DROP TABLE names when a scratch database is emptied. Measured on MariaDB with 300
# tables over four connections: a statement a table took 1.1-2.5 s, statements of 25 tables
# 0.2-0.4 s. One statement of all 300 took 4 s, as long as DROP DATABASE: its tables go one
# after another on its one connection.
TABLES_PER_DROP = 25


class TableDDL(DDL):
    """DDL of our own about its target table only (`.against(table)`), ordered with that
    table's statements; a listener's DDL may name any table, and waits for all before it."""


class _Skipped(Exception):
    """A statement not run because an earlier one failed."""


class BuildStopped(Exception):
    """The caller gave up on the statements (its ``stop`` was set) before they all ran."""


# The attribute a statement's failure carries the statement in, so its message can name it.
FAILED_STATEMENT = "alembic_steward_failed_statement"


def failed_statement(error: BaseException) -> Executable | None:
    """The statement whose run raised ``error`` (see `run_in_parallel`), or None."""
    return getattr(error, FAILED_STATEMENT, None)


def execute_naming_failure(connection: Connection, statement: Executable) -> None:
    """Run ``statement``; a failure carries it (`failed_statement`)."""
    try:
        connection.execute(statement)
    except Exception as error:
        setattr(error, FAILED_STATEMENT, statement)
        raise


def run_in_parallel(
    engine: Engine,
    statements: Sequence[Executable],
    prerequisites: Sequence[set[int]],
    *,
    prepare: Callable[[Connection], Any] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run ``statements`` over up to PARALLEL_CONNECTIONS connections of ``engine`` (autocommit).

    Statement ``i`` starts once every statement in ``prerequisites[i]`` (all earlier ones) has
    run; ``prepare`` runs on each connection first. After a failure nothing more starts, and
    the first failure in statement order is raised, as running them one by one would,
    carrying its statement (`failed_statement`). Once
    ``stop`` is set nothing more starts either, and BuildStopped is raised (after what was
    running has finished), even when every statement had started.
    """
    local = threading.local()
    opened: list[Connection] = []
    opening = threading.Lock()
    failed = threading.Event()
    futures: list[Future[None]] = []

    def connection() -> Connection:
        if not hasattr(local, "connection"):
            with opening:
                local.connection = engine.connect()
                opened.append(local.connection)
            if prepare is not None:
                prepare(local.connection)
        return local.connection

    def run(index: int) -> None:
        # Every prerequisite was queued before this statement, so it is running or done: the
        # pool takes statements in order, and this wait cannot deadlock.
        for prerequisite in prerequisites[index]:
            futures[prerequisite].result()
        if failed.is_set() or (stop is not None and stop.is_set()):
            raise _Skipped
        try:
            execute_naming_failure(connection(), statements[index])
        except BaseException:
            failed.set()
            raise

    pool = ThreadPoolExecutor(
        PARALLEL_CONNECTIONS,
        thread_name_prefix="scratch-ddl",
        initializer=leave_stop_signals_to_the_main_thread,
    )
    try:
        for index in range(len(statements)):
            futures.append(pool.submit(run, index))
        wait(futures)
    except BaseException:
        failed.set()  # an interrupt: let what runs finish, start nothing more
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for opened_connection in opened:
            opened_connection.close()
    for future in futures:
        error = future.exception()
        if error is not None and not isinstance(error, _Skipped):
            raise error
    if stop is not None and stop.is_set():
        raise BuildStopped


def create_all_prerequisites(statements: Sequence[Executable]) -> list[set[int]]:
    """For each statement `metadata.create_all` runs, the earlier ones it must wait for.

    A statement about tables (CREATE TABLE, CREATE INDEX, ADD CONSTRAINT, a comment) waits for
    the last earlier statement about each table it names, the tables its foreign keys refer
    to included, so each table's statements keep their order. Any other statement (a type, a
    sequence, a schema, an event's own DDL) waits for everything before it, and everything
    after it waits for it.
    """
    last_about: dict[Table, int] = {}
    barrier: set[int] = set()
    since_barrier: set[int] = set()
    prerequisites = []
    for index, statement in enumerate(statements):
        tables = tables_named(statement)
        if tables is None:
            prerequisites.append(barrier | since_barrier)
            barrier, since_barrier = {index}, set()
            continue
        prerequisites.append(barrier | {last_about[t] for t in tables if t in last_about})
        since_barrier.add(index)
        for table in tables:
            last_about[table] = index
    return prerequisites


def tables_named(statement: Executable) -> set[Table] | None:
    """The tables ``statement`` creates, changes or refers to; None when it is not about tables."""
    from sqlalchemy import ForeignKeyConstraint
    from sqlalchemy.schema import (
        AddConstraint,
        CreateIndex,
        CreateTable,
        SetColumnComment,
        SetTableComment,
    )

    if isinstance(statement, CreateTable):
        table = statement.element
        return {table, *referred_tables(table.foreign_key_constraints)}
    if isinstance(statement, CreateIndex):
        return {statement.element.table}
    if isinstance(statement, SetTableComment):
        return {statement.element}
    if isinstance(statement, SetColumnComment):
        return {statement.element.table}
    if isinstance(statement, TableDDL):
        return {statement.target}
    if isinstance(statement, AddConstraint) and statement.element.table is not None:
        constraint = statement.element
        if isinstance(constraint, ForeignKeyConstraint):
            return {constraint.table, *referred_tables([constraint])}
        return {constraint.table}
    return None


def referred_tables(constraints: Any) -> set[Table]:
    tables = set()
    for constraint in constraints:
        try:
            tables.add(constraint.referred_table)
        except Exception:  # noqa: BLE001 - unresolvable: create_all reports it, not this
            continue
    return tables


def drop_tables_in_parallel(engine: Engine) -> None:
    """Drop every table of ``engine``'s MySQL/MariaDB database, over several connections.

    For a scratch database about to be dropped whole: foreign keys are not checked, since every
    table goes. Tables no foreign key links are dropped up to TABLES_PER_DROP a statement (see
    `drop_statements`). Raises SQLAlchemy's DBAPIError when a drop fails.
    """
    from sqlalchemy import text

    with engine.connect() as connection:
        names = connection.scalars(
            text(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
            )
        ).all()
        links = connection.execute(
            text(
                "SELECT table_name, referenced_table_name"
                " FROM information_schema.referential_constraints"
                " WHERE constraint_schema = DATABASE()"
            )
        ).all()
    statements = drop_statements(names, [(table, referred) for table, referred in links])

    def without_key_checks(connection: Connection) -> None:
        connection.exec_driver_sql("SET SESSION foreign_key_checks = 0")

    run_in_parallel(engine, statements, [set()] * len(statements), prepare=without_key_checks)


def drop_statements(names: Sequence[str], links: Sequence[tuple[str, str]]) -> list[DropTables]:
    """DROP TABLEs for ``names``, none of which waits for another's locks.

    A DROP TABLE also locks the tables its tables' foreign keys link to (``links``: table,
    table it refers to), so two statements dropping linked tables at once can wait for each
    other until the server gives up on one (MariaDB 10.11: "Lock wait timeout exceeded"):
    linked tables are dropped in one statement. A group too big for one statement is dropped a
    table a statement, as every table was before statements named several; groups that fit
    share statements.
    """
    group_of = {name: name for name in names}

    def root(name: str) -> str:
        while group_of[name] != name:
            group_of[name] = group_of[group_of[name]]
            name = group_of[name]
        return name

    for table, referred in links:
        if table in group_of and referred in group_of:
            group_of[root(table)] = root(referred)
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(root(name), []).append(name)
    statements, batch = [], []
    for group in groups.values():
        if len(group) > TABLES_PER_DROP:
            statements += [DropTables([name]) for name in group]
            continue
        if len(batch) + len(group) > TABLES_PER_DROP:
            statements.append(DropTables(batch))
            batch = []
        batch += group
    if batch:
        statements.append(DropTables(batch))
    return statements


class DropTables(ExecutableDDLElement):
    """DROP TABLE IF EXISTS of several tables of the connection's database, by name.

    A construct, not text: the dialect quotes any name, and no colon reads as a parameter.
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)


@compiles(DropTables)
def _drop_tables_sql(element: DropTables, compiler: Any, **_kw: Any) -> str:
    quote = compiler.preparer.quote
    return "DROP TABLE IF EXISTS " + ", ".join(quote(name) for name in element.names)
