"""What one tenant's upgrade sends its server, which a fan-out pays once per tenant (issue #23):
one commit a revision and nothing around the session's settings, and on PostgreSQL one
statement a revision for the checksum and phase rows together."""

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


def test_a_database_tenant_on_mariadb_commits_once_a_revision(
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
        # A table's rows each in an INSERT of its own: MariaDB has no statement for two tables.
        assert len(bookkeeping_inserts(statements)) == 2 * REVISIONS
        assert commits == REVISIONS
        assert not [s for s in statements if "CONNECTION_ID()" in s]
    finally:
        admin.close()


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
