"""Ask the database whether a failed migration had committed its transaction itself.

A migration can end its transaction where no SQLAlchemy event sees it: on the driver's own
connection (``op.get_bind().connection.dbapi_connection.commit()``, ``.driver_connection``), or
with a COMMIT sent through one of its cursors. That cannot be refused, and what ran before it
stays: a failure after it must not be reported as rolled back. Each database is asked instead,
at the cost of at most one small query a migration:

- SQLite: the driver tells whether a transaction is open (``in_transaction``, no query). Every
  migration's transaction begins with BEGIN IMMEDIATE, so a statement sent with none open
  commits at once, and none open at a failure that is no database error means it was ended.
- PostgreSQL: psycopg and asyncpg tell whether a transaction is open (no query). It opens at
  the first statement after SQLAlchemy's begin, so a statement that finds none open after
  another of the same migration ran was sent after the migration ended its transaction.
  Another driver: each transaction's id is read as it begins (a query a migration); after
  the failure's rollback, ``pg_xact_status`` says whether it had been committed.
- MySQL/MariaDB: the session's count of COMMITs (``Com_commit``) is read before the run and
  after a failure; COMMITs beyond the ones SQLAlchemy sent are the migration's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


class StepTransactions:
    """What a database without a way to tell says: the migration committed nothing itself."""

    def began(self, connection: Connection) -> None:
        """A transaction began on the run's connection (SQLAlchemy's ``begin`` event)."""

    def sqlalchemy_committed(self) -> None:
        """SQLAlchemy committed on the run's connection (Alembic, or autocommit_block())."""

    def statement_outside_transaction(self, connection: Connection) -> bool:
        """Tell whether a statement about to run finds its migration's transaction ended."""
        return False

    def before_rollback(self, connection: Connection, error: BaseException) -> None:
        """Look, before the failed run's rollback, at what the rollback would hide."""

    def committed_itself(self, connection: Connection) -> bool:
        """After the rollback: tell whether the failed migration had committed itself."""
        return False


class SqliteStepTransactions(StepTransactions):
    def __init__(self) -> None:
        self.ended = False

    def statement_outside_transaction(self, connection: Connection) -> bool:
        # The driver's own transaction begins with the step's BEGIN IMMEDIATE and ends only
        # with SQLAlchemy's commit, so within SQLAlchemy's transaction it is always open.
        return connection.in_transaction() and not driver_in_transaction(connection)

    def before_rollback(self, connection: Connection, error: BaseException) -> None:
        from sqlalchemy.exc import DBAPIError

        # A database error may be SQLite rolling back by itself (disk full, I/O): no evidence.
        if isinstance(error, DBAPIError):
            return
        try:
            self.ended = self.statement_outside_transaction(connection)
        except Exception:  # noqa: BLE001 - a closed connection: nothing to tell
            self.ended = False

    def committed_itself(self, connection: Connection) -> bool:
        return self.ended


def driver_in_transaction(connection: Connection) -> bool:
    # sqlite3's attribute, or aiosqlite's property over it.
    return bool(connection.connection.driver_connection.in_transaction)


class PostgresqlDriverStepTransactions(StepTransactions):
    """The driver's own transaction status, read between statements, at no round trip.

    It cannot tell a commit from a rollback on the driver; a failed migration that ended its
    transaction either way is reported as having committed part of its work, and the schema
    comparison after it says what remains.
    """

    def __init__(self) -> None:
        self.ran = False  # a statement ran in the current SQLAlchemy transaction
        self.ended = False

    def began(self, connection: Connection) -> None:
        self.ran = False

    def statement_outside_transaction(self, connection: Connection) -> bool:
        ended = self.transaction_ended(connection)
        self.ran = True  # this statement opens the driver's transaction if none is open
        return ended

    def transaction_ended(self, connection: Connection) -> bool:
        if not self.ran or not connection.in_transaction() or autocommitting(connection):
            return False
        return postgresql_driver_idle(connection) is True

    def before_rollback(self, connection: Connection, error: BaseException) -> None:
        try:
            self.ended = self.transaction_ended(connection)
        except Exception:  # noqa: BLE001 - a closed connection: nothing to tell
            self.ended = False

    def committed_itself(self, connection: Connection) -> bool:
        return self.ended


def postgresql_driver_idle(connection: Connection) -> bool | None:
    """Whether the driver has no transaction open; None for a driver that does not say."""
    driver = connection.connection.driver_connection
    status = getattr(getattr(driver, "info", None), "transaction_status", None)
    if status is not None:  # psycopg (and psycopg2): libpq's PQTRANS_IDLE is 0
        return int(status) == 0
    in_transaction = getattr(driver, "is_in_transaction", None)  # asyncpg
    return None if in_transaction is None else not in_transaction()


class PostgresqlStepTransactions(StepTransactions):
    """A transaction id read as each transaction begins, for a driver that does not say."""

    def __init__(self, connection: Connection) -> None:
        modern = (connection.dialect.server_version_info or (0,)) >= (13,)
        self.read_id = "SELECT pg_current_xact_id()" if modern else "SELECT txid_current()"
        self.status_of = (
            "SELECT pg_xact_status(CAST(:id AS xid8))"
            if modern
            else "SELECT txid_status(CAST(:id AS bigint))"
        )
        self.transaction_id: str | None = None
        self.following = True

    def began(self, connection: Connection) -> None:
        if not self.following or autocommitting(connection):
            return  # the failure is being read, or autocommit_block(): nothing to follow
        # One round trip a migration; its DDL and version row would assign the id anyway.
        self.transaction_id = str(connection.exec_driver_sql(self.read_id).scalar())

    def committed_itself(self, connection: Connection) -> bool:
        self.following = False
        if self.transaction_id is None:
            return False
        try:
            status = self.status(connection)
        except Exception:  # noqa: BLE001 - the run's connection may be what failed
            with connection.engine.connect() as fresh:
                status = self.status(fresh)
        return status == "committed"

    def status(self, connection: Connection) -> str:
        from sqlalchemy import text

        status = connection.execute(text(self.status_of), {"id": self.transaction_id}).scalar()
        connection.rollback()
        return str(status)


class MysqlStepTransactions(StepTransactions):
    COUNT = "SHOW SESSION STATUS LIKE 'Com_commit'"

    def __init__(self, connection: Connection) -> None:
        # One query a run; DDL's implicit commits are not counted, only COMMIT statements.
        self.before = commit_count(connection, self.COUNT)
        self.sqlalchemy_commits = 0

    def sqlalchemy_committed(self) -> None:
        self.sqlalchemy_commits += 1

    def committed_itself(self, connection: Connection) -> bool:
        after = commit_count(connection, self.COUNT)
        return after - self.before > self.sqlalchemy_commits


def commit_count(connection: Connection, query: str) -> int:
    # Read without leaving a transaction open: Alembic would take it for a caller's own.
    from alembic_steward.runtime._session_statements import sent_alone, session_statement

    outside = not connection.in_transaction()
    driver = connection.connection.dbapi_connection
    if outside and sent_alone(driver):
        # On the driver, past SQLAlchemy: a SHOW opens no transaction to roll back there (nor
        # a COMMIT, which this count would take for the migration's own).
        (row,) = session_statement(driver, query)
        return int(row[1])
    count = int(connection.exec_driver_sql(query).one()[1])
    if outside:
        connection.rollback()
    return count


def autocommitting(connection: Connection) -> bool:
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def step_transactions(connection: Connection) -> StepTransactions:
    """The way to tell on ``connection``'s database, ready for the run about to start."""
    from sqlalchemy import event

    from alembic_steward.runtime._transactions import begin_immediately

    name = connection.dialect.name
    if name == "sqlite" and event.contains(connection.engine, "begin", begin_immediately):
        return SqliteStepTransactions()
    if name == "postgresql":
        if postgresql_driver_idle(connection) is not None:
            return PostgresqlDriverStepTransactions()
        return PostgresqlStepTransactions(connection)
    if name in ("mysql", "mariadb"):
        return MysqlStepTransactions(connection)
    return StepTransactions()
