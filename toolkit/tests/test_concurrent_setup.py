"""`inv db.setup` from many replicas at once: every run succeeds, and each thing happens once.

The database does not exist yet, so the runs race to create it (whoever loses finds it
there), then take turns on the migration lock to migrate and to seed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from project import Project, revision_source
from servers import SERVER_URL_VARIABLES, ServerDatabase, connect_admin, with_database

REPLICAS = 8
ROLE_MODEL = """

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No unique key: only the seed itself keeps each role to one row.
    name: Mapped[str] = mapped_column(String(50))
"""
# Logs its own run (a second run would log a second row), and creates the seeded table.
LOGGING_MIGRATION = """\
    op.create_table("migration_log", sa.Column("revision", sa.String(20), nullable=False))
    op.execute("INSERT INTO migration_log (revision) VALUES ('first')")
    op.create_table(
        "roles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_roles"),
    )"""
# Adds each missing role, as the template's seeds do, and takes a moment before it commits,
# as a seed with more to do would: runs that did not take turns would all add the roles.
SEEDS = """

import time

from app.models import Role


def seed(session: Session) -> None:
    for name in ("admin", "member"):
        add_missing(session, Role, name=name)
    time.sleep(0.5)
"""


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def missing_database(request, tmp_path: Path) -> Iterator[ServerDatabase]:
    """A URL whose database does not exist yet; dropped afterwards if a test created it."""
    kind = request.param
    if kind == "sqlite":
        yield ServerDatabase(kind, f"sqlite:///{(tmp_path / 'new' / 'app.db').as_posix()}")
        return
    import os

    server_url = os.environ.get(SERVER_URL_VARIABLES[kind])
    if not server_url:
        pytest.skip(f"{SERVER_URL_VARIABLES[kind]} is not set; no {kind} server to test on")
    name = f"replicas_{secrets.token_hex(6)}"
    yield ServerDatabase(kind, with_database(server_url, name))
    admin = connect_admin(kind, server_url)
    with admin.cursor() as cursor:
        force = " WITH (FORCE)" if kind == "postgresql" else ""
        cursor.execute(f"DROP DATABASE IF EXISTS {name}{force}")
    admin.close()


def test_concurrent_setups_on_a_missing_database_all_succeed_each_migration_and_row_once(
    project: Project, missing_database: ServerDatabase
) -> None:
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + ROLE_MODEL)
    seeds = project.path / "app" / "seeds.py"
    seeds.write_text(seeds.read_text() + SEEDS)  # the later seed() wins
    source = revision_source("cccc00000001", None, LOGGING_MIGRATION, message="Roles.")
    project.write_revision("cccc00000001_roles.py", source)
    # A generous bound: on a loaded machine eight interpreters may start slowly.
    env = {"DATABASE_URL": missing_database.url, "MIGRATION_LOCK_TIMEOUT": "240"}
    runs = [project.start("inv", "db.setup", **env) for _ in range(REPLICAS)]
    outcomes = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs]
    assert [code for code, _, _ in outcomes] == [0] * REPLICAS, outcomes
    logged = missing_database.query("SELECT revision FROM migration_log")
    assert logged == [("first",)]
    roles = missing_database.query("SELECT name FROM roles ORDER BY name")
    assert roles == [("admin",), ("member",)]
    added = [out for _, out, _ in outcomes if "Seeded the database: 2 row(s) added" in out]
    assert len(added) == 1, outcomes
