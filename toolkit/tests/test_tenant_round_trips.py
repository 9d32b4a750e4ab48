"""What one tenant's upgrade sends its server, which a fan-out pays once per tenant (issue #23):
one commit a revision and nothing around the session's settings; on PostgreSQL one statement
a revision for the checksum and phase rows together, on MariaDB one for those rows and the
in-progress mark's move."""

from __future__ import annotations

from pathlib import Path

import pytest
from project import Project
from servers import connect_admin
from tenant_projects import make_tenant_project

REVISIONS = 3  # the tenant fixture's


def sent_by_one_upgrade(project: Project, tenancy: str, name: str) -> tuple[list[str], int]:
    """The statements and SQLAlchemy commits of upgrading tenant ``name`` to head, in-process."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    statements: list[str] = []
    commits: list[object] = []

    def sent(_connection, _cursor, statement, *_arguments) -> None:
        statements.append(statement)

    def committed(connection) -> None:
        commits.append(connection)

    with project.imported():
        from alembic_steward.runtime._tenancy import Tenant
        from alembic_steward.runtime._tenant_runs import run_tenant

        event.listen(Engine, "before_cursor_execute", sent)
        event.listen(Engine, "commit", committed)
        try:
            outcome = run_tenant(Tenant(name, tenancy), "upgrade", "head")
        finally:
            event.remove(Engine, "before_cursor_execute", sent)
            event.remove(Engine, "commit", committed)
    assert outcome.outcome == "upgraded", outcome
    return statements, len(commits)


def bookkeeping_inserts(statements: list[str]) -> list[str]:
    return [s for s in statements if "INSERT INTO alembic_revision_" in s]


def test_a_schema_tenant_commits_once_a_revision_with_its_rows_in_one_statement(
    tmp_path: Path, postgresql_url: str
) -> None:
    admin = connect_admin("postgresql", postgresql_url)
    try:
        admin.execute("CREATE SCHEMA acme")
        project = Project.copy_to(tmp_path / "service", DATABASE_URL=postgresql_url)
        make_tenant_project(project, "schema", ["acme"])
        statements, commits = sent_by_one_upgrade(project, "schema", "acme")
        inserts = bookkeeping_inserts(statements)
        assert len(inserts) == REVISIONS, inserts
        assert all(
            "alembic_revision_checksums" in s and "alembic_revision_phases" in s for s in inserts
        )
        # The session's search_path and timeouts are set outside any transaction.
        assert commits == REVISIONS
        for table in ("alembic_revision_checksums", "alembic_revision_phases"):
            (count,) = admin.execute(f"SELECT count(*) FROM acme.{table}").fetchone()
            assert count == REVISIONS, table
    finally:
        admin.close()


# What one fresh tenant's upgrade of the fixture's three revisions sends on MariaDB, every
# connection's statements counted (the driver's own SET NAMES at connect are not among them).
# It was 43 with each bookkeeping write a statement of its own; it is 37 with a revision's
# three in one compound statement. A change that sends more must say why, here: 38 since each
# upgrade first reads which planned revisions are recorded as applied (runtime/_already_applied.py:
# a version table moved back must not run one twice), one DESCRIBE on a fresh tenant; 39 with
# the CREATE of the second checksum's table (runtime/_upgrade_checksums.py), on a fresh tenant.
MARIADB_STATEMENTS = 39


def test_a_database_tenant_on_mariadb_sends_its_bookkeeping_in_one_statement_a_revision(
    tmp_path: Path, mysql_tenants: tuple[str, list[str]]
) -> None:
    url, names = mysql_tenants
    admin = connect_admin("mysql", url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {names[0]}")
        project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
        make_tenant_project(project, "database", names[:1])
        statements, commits = sent_by_one_upgrade(project, "database", names[0])
        # The checksum row, the phase row and the in-progress mark's move, in that order.
        compound = [s for s in statements if s.startswith("BEGIN NOT ATOMIC")]
        assert len(compound) == REVISIONS, statements
        for statement in compound:
            checksum = statement.index("INSERT INTO alembic_revision_checksums")
            phase = statement.index("INSERT INTO alembic_revision_phases")
            mark = statement.index("UPDATE alembic_migration_in_progress")
            assert checksum < phase < mark, statement
        assert not [s for s in bookkeeping_inserts(statements) if s not in compound]
        assert commits == REVISIONS
        assert not [s for s in statements if "CONNECTION_ID()" in s]
        assert len(statements) == MARIADB_STATEMENTS, "\n".join(statements)
        # Written as before: a row each, and no mark left once the run is over.
        with admin.cursor() as cursor:
            for table in ("alembic_revision_checksums", "alembic_revision_phases"):
                cursor.execute(f"SELECT count(*) FROM {names[0]}.{table}")
                assert cursor.fetchone()[0] == REVISIONS, table
            cursor.execute(f"SELECT count(*) FROM {names[0]}.alembic_migration_in_progress")
            assert cursor.fetchone()[0] == 0
    finally:
        admin.close()


# What PyMySQL sends for each fresh tenant a worker upgrades in turn (the fixture's three
# revisions): connections opened, and commands (each a round trip: a statement, a COMMIT, a
# ROLLBACK, the SETs a connection starts with). It was 3 and 69 for every tenant: an engine of
# its own per tenant database set its dialect up again (6 queries), three bookkeeping writes
# a revision, a ROLLBACK before closing a session about to end. One engine for the server's
# databases sets it up once per worker. 57 with the read of the revisions recorded as applied;
# 58 with the CREATE of the second checksum's table on a fresh tenant.
MARIADB_CONNECTIONS = 3
MARIADB_COMMANDS = 58
DIALECT_SETUP = 6  # the first tenant of a worker only


def test_each_mariadb_tenant_of_a_worker_pays_its_round_trips_alone(
    tmp_path: Path, mysql_tenants: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pymysql.connections

    url, names = mysql_tenants
    admin = connect_admin("mysql", url)
    try:
        with admin.cursor() as cursor:
            for name in names[:2]:
                cursor.execute(f"CREATE DATABASE {name}")
    finally:
        admin.close()
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=url)
    make_tenant_project(project, "database", names[:2])
    counted = [0, 0]  # connections, commands
    command, connect = (
        pymysql.connections.Connection._execute_command,
        pymysql.connections.Connection.connect,
    )

    def counted_command(self, *arguments):
        counted[1] += 1
        return command(self, *arguments)

    def counted_connect(self, *arguments, **options):
        counted[0] += 1
        return connect(self, *arguments, **options)

    monkeypatch.setattr(pymysql.connections.Connection, "_execute_command", counted_command)
    monkeypatch.setattr(pymysql.connections.Connection, "connect", counted_connect)
    tenants = []
    with project.imported():
        from alembic_steward.runtime._tenancy import Tenant
        from alembic_steward.runtime._tenant_connections import forget_tenant_engines
        from alembic_steward.runtime._tenant_runs import run_tenant

        forget_tenant_engines()  # as a new worker starts
        for name in names[:2]:
            counted[:] = [0, 0]
            outcome = run_tenant(Tenant(name, "database"), "upgrade", "head")
            assert outcome.outcome == "upgraded", outcome
            tenants.append(tuple(counted))
    first, second = tenants
    assert second == (MARIADB_CONNECTIONS, MARIADB_COMMANDS), tenants
    assert first == (MARIADB_CONNECTIONS, MARIADB_COMMANDS + DIALECT_SETUP), tenants


@pytest.mark.parametrize("statement", ["SET search_path TO acme", "SELECT 1"])
def test_a_session_statement_on_psycopg_leaves_no_transaction_and_autocommit_off(
    postgresql_url: str, statement: str
) -> None:
    from alembic_steward.runtime._session_statements import sent_alone, session_statement

    connection = connect_admin("postgresql", postgresql_url)
    try:
        connection.autocommit = False
        assert sent_alone(connection)
        session_statement(connection, statement)
        assert connection.info.transaction_status == 0  # idle
        assert connection.autocommit is False
    finally:
        connection.close()


@pytest.mark.parametrize(("paramstyle", "compound"), [("pyformat", True), ("format", False)])
def test_only_a_driver_with_named_parameters_gets_the_compound_statement(
    paramstyle: str, compound: bool
) -> None:
    # Its text names its parameters: aiomysql's and mysqlclient's positional `%s` failed with
    # "not enough arguments for format string" on an async MariaDB service's first upgrade.
    from types import SimpleNamespace

    from sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql

    from alembic_steward.runtime._step_rows import takes_compound_statements

    dialect = MySQLDialect_pymysql(paramstyle=paramstyle)
    dialect.is_mariadb, dialect.server_version_info = True, (10, 11, 6)
    assert takes_compound_statements(SimpleNamespace(dialect=dialect)) is compound
