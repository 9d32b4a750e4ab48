"""Scratch databases beside a server URL whose own database does not exist (a test server's
TEST_DATABASE_URL, as the README describes it): the server's maintenance database serves."""

from __future__ import annotations

import os
import secrets

import pytest
import sqlalchemy as sa
from servers import SERVER_URL_VARIABLES, with_database

from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused, scratch_database


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_a_scratch_database_needs_no_existing_database_at_the_url(kind: str) -> None:
    server_url = os.environ.get(SERVER_URL_VARIABLES[kind])
    if not server_url:
        pytest.skip(f"{SERVER_URL_VARIABLES[kind]} is not set; no {kind} server to test on")
    missing = sa.make_url(with_database(server_url, f"absent_{secrets.token_hex(4)}"))
    with scratch_database(missing, "scratch") as url:
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
        engine.dispose()
        name = url.database
    # Dropped afterwards, and the missing database was never created.
    engine = sa.create_engine(with_database(server_url, "postgres" if kind == "postgresql" else ""))
    with engine.connect() as connection:
        query = (
            "SELECT datname FROM pg_database"
            if kind == "postgresql"
            else "SELECT schema_name FROM information_schema.schemata"
        )
        names = set(connection.exec_driver_sql(query).scalars())
    engine.dispose()
    assert name not in names and missing.database not in names


def test_a_server_that_refuses_the_connection_is_still_refused() -> None:
    server_url = os.environ.get(SERVER_URL_VARIABLES["postgresql"])
    if not server_url:
        pytest.skip("TEST_POSTGRESQL_URL is not set; no postgresql server to test on")
    wrong_user = sa.make_url(server_url).set(username=f"nobody_{secrets.token_hex(3)}")
    with pytest.raises(ScratchDatabaseRefused), scratch_database(wrong_user, "scratch"):
        pass
