"""The database servers the benchmark may use, and databases made afresh on them for its rows."""

from __future__ import annotations

import os
from dataclasses import dataclass

from baked_project import BakedProject
from timing import Command, run

# Servers to time on, when their URLs are set (as for the template tests).
SERVER_URL_VARIABLES = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}
# What a default (SQLite) bake needs to run on them.
SERVER_PACKAGES = ("psycopg[binary]>=3.2", "pymysql>=1.1", "alembic-postgresql-enum>=1.11")
# The server's URL travels in the environment, never on a command line.
URL_VARIABLE = "BENCHMARK_SERVER_URL"
# Retried: a server busy with other clients (CI's other test worker, PostgreSQL's autovacuum
# visiting template1) can refuse a CREATE DATABASE for a moment.
RECREATE_DATABASE = """
import os, sys, time
from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import DBAPIError
url = make_url(os.environ["BENCHMARK_SERVER_URL"])
engine = create_engine(url, isolation_level="AUTOCOMMIT")
force = " WITH (FORCE)" if engine.dialect.name == "postgresql" else ""
for attempt in range(5):
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {sys.argv[1]}{force}")
            if sys.argv[2] == "create":
                connection.exec_driver_sql(f"CREATE DATABASE {sys.argv[1]}")
        break
    except DBAPIError:
        if attempt == 4:
            raise
        time.sleep(1)
"""


def configured_servers() -> dict[str, str]:
    """The servers whose URLs are set: kind -> URL."""
    urls = {kind: os.environ.get(name, "") for kind, name in SERVER_URL_VARIABLES.items()}
    return {kind: url for kind, url in urls.items() if url}


@dataclass
class ServerDatabase:
    """A database of the benchmark's own on the server ``server_url`` names (a TEST_*_URL).

    Its name carries the benchmark's process id: two runs on one server (CI workers, a
    developer beside CI) never share it.
    """

    project: BakedProject
    server_url: str
    purpose: str

    @property
    def name(self) -> str:
        return f"benchmark_{self.purpose}_{os.getpid()}"

    @property
    def url(self) -> str:
        return self.server_url.rsplit("/", 1)[0] + f"/{self.name}"

    def recreate(self) -> None:
        """Drop the database if a previous run left it, and create it empty."""
        self._run("create")

    def drop(self) -> None:
        self._run("drop")

    def _run(self, action: str) -> None:
        script = ("python", "-c", RECREATE_DATABASE, self.name, action)
        run(self.project, Command(script, {URL_VARIABLE: self.server_url}))
