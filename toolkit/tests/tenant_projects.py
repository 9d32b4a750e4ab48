"""A fixture service with tenants: its wiring lists them, and three revisions record each run.

Revision 0001 creates `notes` and `applied`; 0002 adds a unique index on `notes.body` (so a
tenant seeded with two equal bodies fails there, and only that tenant); 0003 adds a column.
Every revision inserts its id into `applied` in the tenant, so a migration applied twice shows
as two rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from project import Project, revision_source
from servers import ServerDatabase, connect_admin, with_database

# Databases these tests create start with this (a shared server's per-user prefix).
PREFIX = os.environ.get("TEST_DATABASE_PREFIX", "")

TENANTS_MODULE = '''"""The service's tenants (a real service reads them from its own table)."""

import os


def list_tenants() -> list[str]:
    return os.environ["FIXTURE_TENANTS"].split(",")
'''

REVISIONS = {
    "0001": (
        None,
        "    op.create_table('notes', sa.Column('id', sa.Integer),"
        " sa.Column('body', sa.String(50)), sa.PrimaryKeyConstraint('id', name='pk_notes'))\n"
        "    op.create_table('applied', sa.Column('revision', sa.String(10)))\n"
        "    op.execute(\"INSERT INTO applied (revision) VALUES ('0001')\")",
    ),
    "0002": (
        "0001",
        "    op.create_index('ix_notes_body', 'notes', ['body'], unique=True)\n"
        "    op.execute(\"INSERT INTO applied (revision) VALUES ('0002')\")",
    ),
    "0003": (
        "0002",
        "    op.add_column('notes', sa.Column('title', sa.String(50)))\n"
        "    op.execute(\"INSERT INTO applied (revision) VALUES ('0003')\")",
    ),
}
DOWNGRADES = {
    "0001": "    op.drop_table('applied')\n    op.drop_table('notes')",
    "0002": "    op.drop_index('ix_notes_body', 'notes')\n"
    "    op.execute(\"DELETE FROM applied WHERE revision = '0002'\")",
    "0003": "    op.drop_column('notes', 'title')\n"
    "    op.execute(\"DELETE FROM applied WHERE revision = '0003'\")",
}


# The models the three revisions build, for `db.check --all-tenants`.
MODELS = """

from sqlalchemy import Column, Index, Integer, String, Table  # noqa: E402

notes = Table(
    "notes",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("body", String(50)),
    Column("title", String(50)),
    Index("ix_notes_body", "body", unique=True),
)
applied = Table("applied", Base.metadata, Column("revision", String(10)))
"""


def make_tenant_project(project: Project, tenancy: str, names: list[str]) -> Project:
    """Wire ``project`` for tenants ``names`` of ``tenancy`` and give it the three revisions."""
    wiring = project.path / "app" / "migrations" / "__init__.py"
    source = wiring.read_text()
    source = source.replace(
        '    sample_rows="tests.migration_rows:SAMPLE_VALUES",\n',
        '    sample_rows="tests.migration_rows:SAMPLE_VALUES",\n'
        '    tenants="app.tenants:list_tenants",\n'
        f"    tenancy={tenancy!r},\n",
    )
    wiring.write_text(source)
    (project.path / "app" / "tenants.py").write_text(TENANTS_MODULE)
    for revision, (down, upgrade) in REVISIONS.items():
        project.write_revision(
            f"{revision}_step.py",
            revision_source(revision, down, upgrade, DOWNGRADES[revision]),
        )
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + MODELS)
    project.env["FIXTURE_TENANTS"] = ",".join(names)
    return project


# --- the servers' databases tenant tests run on (a pytest plugin: conftest.py) -----------


def sqlite_project(tmp_path: Path, names: list[str]) -> Project:
    """A fresh fixture service on a SQLite file, with SQLite database tenants ``names``."""
    main = tmp_path / "service.db"
    project = Project.copy_to(tmp_path / "service", DATABASE_URL=f"sqlite:///{main}")
    return make_tenant_project(project, "database", names)


def server_url(variable: str) -> str:
    """The server URL the environment ``variable`` names; the test is skipped without one."""
    url = os.environ.get(variable)
    if not url:
        pytest.skip(f"{variable} is not set; no server to test on")
    return url


@pytest.fixture
def postgresql_url(request) -> Iterator[str]:
    """A fresh PostgreSQL database for schema tenants (made ahead, tests/database_pool.py);
    dropped afterwards."""
    url = server_url("TEST_POSTGRESQL_URL")
    pool = request.getfixturevalue("postgresql_databases")
    name = pool.take()
    try:
        yield with_database(url, name)
    finally:
        pool.give_back(name)


@pytest.fixture
def mysql_tenants() -> Iterator[tuple[str, list[str]]]:
    """A MariaDB URL and three tenant database names (created by the test); dropped after."""
    server_url = os.environ.get("TEST_MYSQL_URL")
    if not server_url:
        pytest.skip("TEST_MYSQL_URL is not set; no mysql server to test on")
    prefix = f"tenants_{secrets.token_hex(4)}"
    names = [f"{prefix}_{letter}" for letter in "abc"]
    admin = connect_admin("mysql", server_url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {prefix}_main")
        yield with_database(server_url, f"{prefix}_main"), names
    finally:
        with admin.cursor() as cursor:
            for name in [*names, f"{prefix}_main"]:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


@pytest.fixture
def mariadb_tenants() -> Iterator[tuple[ServerDatabase, list[ServerDatabase]]]:
    """DATABASE_URL's own MariaDB database and two tenant databases (made by the test)."""
    url = server_url("TEST_MYSQL_URL")
    prefix = f"{PREFIX}repairs_{secrets.token_hex(4)}"
    admin = connect_admin("mysql", url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {prefix}_main")
        main = ServerDatabase("mysql", with_database(url, f"{prefix}_main"))
        yield main, [ServerDatabase("mysql", with_database(url, f"{prefix}_{x}")) for x in "ab"]
    finally:
        with admin.cursor() as cursor:
            for name in ("main", "a", "b"):
                cursor.execute(f"DROP DATABASE IF EXISTS {prefix}_{name}")
        admin.close()
