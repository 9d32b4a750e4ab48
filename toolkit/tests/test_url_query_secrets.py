"""A secret in DATABASE_URL's query string is hidden wherever the URL or a driver's words are
shown, as the password field of `user:password@` always was.

A tester's `DATABASE_URL=postgresql+psycopg://postgres@host/db?password=S3cretPW` was printed
as written by `inv db.url`, by `inv db.status` ("cannot reach the database at ...?password=
S3cretPW") and by `inv db.wait`; the same with mysql+pymysql.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from project import Project
from servers import ServerDatabase, only_on
from sqlalchemy.engine import make_url
from tenant_projects import make_tenant_project

from alembic_steward.urls import hide_password, redact_password

SECRET = "S3cretPW"
DEPLOY = ("python", "-m", "app.migrations")

SECRET_PARAMETERS = {
    "postgresql-password": f"postgresql+psycopg://app@db:5432/app?password={SECRET}",
    "postgresql-sslpassword": f"postgresql://app@db/app?sslmode=require&sslpassword={SECRET}",
    "postgresql-options": f"postgresql://app@db/app?options=-c%20password%3D{SECRET}",
    "mysql-passwd": f"mysql+pymysql://root@db:3306/app?charset=utf8mb4&passwd={SECRET}",
    "mysql-ssl-key": f"mysql://root@db/app?ssl_key={SECRET}",
    "mariadb-api-key": f"mariadb+pymysql://root@db/app?API_KEY={SECRET}",
    "sqlite-token": f"sqlite:///app.db?authToken={SECRET}",
    "postgresql-secret": f"postgresql://app:{SECRET}@db/app?client_secret={SECRET}&pass={SECRET}",
}


@pytest.mark.parametrize("url", list(SECRET_PARAMETERS.values()), ids=list(SECRET_PARAMETERS))
def test_a_url_is_shown_without_any_secret_of_its_query(url: str) -> None:
    for shown in (hide_password(url), hide_password(make_url(url))):
        assert SECRET not in shown and "***" in shown, shown
    # What is no secret stays, so the URL shown is still the one to check.
    assert hide_password(url).partition("?")[0] == url.partition("?")[0].replace(SECRET, "***")
    if "sslmode=require" in url:
        assert "sslmode=require" in hide_password(url)


@pytest.mark.parametrize(
    ("said", "hidden"),
    [
        # libpq's conninfo, a URL inside a message, a dict of connect arguments.
        (f"host=db sslpassword={SECRET} dbname=app", "host=db sslpassword=*** dbname=app"),
        (
            f"at postgresql://app@db/app?token={SECRET}: refused",
            "at postgresql://app@db/app?token=***: refused",
        ),
        (f"{{'api_key': '{SECRET}', 'db': 'app'}}", "{'api_key': '***', 'db': 'app'}"),
        # Code and prose with names that only look secret keep their words.
        ("sa.Column('id', primary_key=True, passive_deletes=True)", None),
        ("the key (id)=(1) already exists", None),
    ],
)
def test_a_secret_argument_in_a_message_is_hidden(said: str, hidden: str | None) -> None:
    assert redact_password(said) == (said if hidden is None else hidden)


def with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.netloc.rpartition(':')[0]}:{port}"))


def secret_urls(database: ServerDatabase, tmp_path: Path) -> list[str]:
    """DATABASE_URLs carrying SECRET in their query: one reaching ``database`` where the driver
    accepts the parameter (SQLite's refuses `api_key`, naming it), one that cannot be reached."""
    if database.kind == "sqlite":
        missing = (tmp_path / "missing" / "x.db").as_posix()
        return [f"{database.url}?api_key={SECRET}", f"sqlite:///{missing}?api_key={SECRET}"]
    # PostgreSQL's test server trusts local users and ignores the password; MariaDB refuses it.
    reached = f"{database.url}?password={SECRET}"
    return [reached, with_port(reached, 1)]


COMMANDS = [
    ("inv", "db.url"),
    ("inv", "db.status"),
    ("inv", "db.wait", "--timeout", "0"),
    ("inv", "db.upgrade"),
    ("inv", "db.current"),
    (*DEPLOY, "current"),
    (*DEPLOY, "upgrade"),
]


def test_no_command_shows_a_secret_of_the_urls_query(
    project: Project, database: ServerDatabase, tmp_path: Path
) -> None:
    for url in secret_urls(database, tmp_path):
        for command in COMMANDS:
            completed = project.run(*command, env={"DATABASE_URL": url})
            output = completed.stdout + completed.stderr
            assert SECRET not in output, f"{' '.join(command)} with {url}:\n{output}"
            assert "Traceback" not in output, output


@only_on("postgresql", "mysql", why="a fan-out over SQLite files has no server URL to show")
def test_a_fan_out_report_shows_no_secret_of_the_urls_query(
    project: Project, database: ServerDatabase
) -> None:
    make_tenant_project(project, "database", ["east", "west"])
    url = with_port(f"{database.url}?password={SECRET}", 1)
    for command in (
        ("inv", "db.status", "--all-tenants", "--json"),
        ("inv", "db.upgrade", "--all-tenants", "--json"),
        (*DEPLOY, "upgrade", "--all-tenants", "--json"),
    ):
        completed = project.run(*command, env={"DATABASE_URL": url})
        assert completed.returncode != 0
        json.loads(completed.stdout)  # the report is still one document
        assert SECRET not in completed.stdout + completed.stderr, completed.stdout
