"""Two `tenant-create NAME` at once: one makes the tenant, the other says it already existed.

A README-only tester ran two at once: PostgreSQL's loser failed with a raw "duplicate key value
violates unique constraint pg_namespace_nspname_index", and on MariaDB both said "tenant
database X created". The race is made here on purpose: the other creator wins between this
one's look and its CREATE.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path

import pytest
from servers import connect_admin, with_database
from sqlalchemy.engine import make_url

from alembic_steward.runtime import _server_databases
from alembic_steward.runtime._tenancy import Tenant
from alembic_steward.runtime._tenant_creation import create_home

PREFIX = os.environ.get("TEST_DATABASE_PREFIX", "")


def looking_before_the_other_creator(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first look for the database finds none: the other creator made it just after."""
    real = _server_databases.database_exists
    looks: list[bool] = []

    def first_look_misses(url, **connect_args):  # noqa: ANN001, ANN003, ANN202 - as the real one
        looks.append(True)
        return False if len(looks) == 1 else real(url, **connect_args)

    monkeypatch.setattr(_server_databases, "database_exists", first_look_misses)


def test_a_sqlite_tenant_file_made_first_by_another_creator_already_existed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "service_acme.db"
    path.touch()  # the other creator's file
    looking_before_the_other_creator(monkeypatch)
    assert create_home(Tenant("acme", "database"), make_url(f"sqlite:///{path}")) is False


@pytest.mark.parametrize("variable", ["TEST_POSTGRESQL_URL", "TEST_MYSQL_URL"])
def test_a_tenant_database_made_first_by_another_creator_already_existed(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = os.environ.get(variable)
    if not server:
        pytest.skip(f"{variable} is not set; no server to test on")
    kind = "postgresql" if "postgresql" in server else "mysql"
    name = f"{PREFIX}race_{secrets.token_hex(4)}"
    admin = connect_admin(kind, server)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")  # the other creator's
        looking_before_the_other_creator(monkeypatch)
        url = make_url(with_database(server, name))
        assert create_home(Tenant(name, "database"), url) is False
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


def test_a_postgresql_schema_committed_by_another_creator_mid_create_already_existed() -> None:
    server = os.environ.get("TEST_POSTGRESQL_URL")
    if not server:
        pytest.skip("TEST_POSTGRESQL_URL is not set; no server to test on")
    database = f"{PREFIX}race_{secrets.token_hex(4)}"
    schema = f"acme_{secrets.token_hex(3)}"
    admin = connect_admin("postgresql", server)
    admin.execute(f"CREATE DATABASE {database}")
    other = connect_admin("postgresql", with_database(server, database))
    try:
        # The other creator's CREATE SCHEMA, not committed yet: this one's look misses it and
        # its own CREATE waits on the name, then meets the other's committed schema.
        other.autocommit = False
        other.execute(f'CREATE SCHEMA "{schema}"')
        results: list[object] = []

        def create() -> None:
            url = make_url(with_database(server, database))
            try:
                results.append(create_home(Tenant(schema, "schema"), url))
            except Exception as error:  # noqa: BLE001 - the test reports it
                results.append(error)

        creating = threading.Thread(target=create)
        creating.start()
        waited_on_the_name = False
        for _ in range(100):
            waiting = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                " AND wait_event_type = 'Lock'",
                (database,),
            ).fetchone()
            if waiting and waiting[0]:
                waited_on_the_name = True
                break
            time.sleep(0.05)
        other.commit()
        creating.join(30)
        assert waited_on_the_name, "the CREATE never waited on the other creator's"
        assert results == [False], results
    finally:
        other.close()
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.close()
