"""A password with URL-encoded `%` and `@` works, and never appears in output, errors or reprs."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from failures import write_revision
from project import Project
from servers import connect_admin

PASSWORD = "p@ss%w0rd:/?#[]"
ENCODED_PASSWORD = quote(PASSWORD, safe="")
SHOW_CONNECTION = """\
import hashlib

from sqlalchemy import create_engine

from app.settings import get_settings

settings = get_settings()
print(repr(settings))
with create_engine(settings.database_url).connect() as connection:
    password = connection.connection.dbapi_connection.info.password
    print(hashlib.sha256(password.encode()).hexdigest())
"""


@pytest.fixture
def role_url() -> Iterator[str]:
    """A PostgreSQL role whose password needs URL-encoding, owning a database of its own."""
    server_url = os.environ.get("TEST_POSTGRESQL_URL")
    if not server_url:
        pytest.skip("TEST_POSTGRESQL_URL is not set; no PostgreSQL server to test on")
    name = f"safety_{secrets.token_hex(6)}"
    admin = connect_admin("postgresql", server_url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'")
            cursor.execute(f"CREATE DATABASE {name} OWNER {name}")
        parts = urlsplit(server_url)
        netloc = f"{name}:{ENCODED_PASSWORD}@{parts.hostname}:{parts.port or 5432}"
        yield urlunsplit(parts._replace(netloc=netloc, path=f"/{name}"))
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute(f"DROP ROLE IF EXISTS {name}")
        admin.close()


def assert_no_password(text: str) -> None:
    for form in (PASSWORD, ENCODED_PASSWORD, quote(PASSWORD)):
        assert form not in text


def test_encoded_password_from_dotenv_reaches_the_driver_decoded(
    project: Project, role_url: str
) -> None:
    (project.path / ".env").write_text(f"DATABASE_URL={role_url}\n")
    (project.path / "show_connection.py").write_text(SHOW_CONNECTION)
    completed = project.run("python", "show_connection.py")
    assert completed.returncode == 0, completed.stderr
    shown_repr, password_digest = completed.stdout.splitlines()
    assert password_digest == hashlib.sha256(PASSWORD.encode()).hexdigest()
    assert ":***@" in shown_repr
    assert_no_password(shown_repr)

    write_revision(project, "cccc00000001", None, '    op.execute("SELECT 1")')
    upgraded = project.run("inv", "db.upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert_no_password(upgraded.stdout + upgraded.stderr)


def test_database_errors_never_show_the_password(project: Project, role_url: str) -> None:
    failing = '    op.execute("SELECT * FROM no_such_table")'
    write_revision(project, "cccc00000001", None, failing)
    completed = project.run("inv", "db.upgrade", env={"DATABASE_URL": role_url})
    assert completed.returncode == 1
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    # A failed migration: what failed where, then the state it left (test_failures.py).
    assert len(errors) == 2 and "no_such_table" in errors[0] and "rolled back" in errors[1]
    assert_no_password(completed.stdout + completed.stderr)

    missing = role_url.rsplit("/", 1)[0] + "/no_such_database"
    completed = project.run("inv", "db.upgrade", env={"DATABASE_URL": missing})
    # A database the server refuses (missing) exits 10, as `db.status` does for it.
    assert completed.returncode == 10 and "Traceback" not in completed.stderr
    assert_no_password(completed.stdout + completed.stderr)


# A test of the service's own that fails with the password in its locals, its exception and its
# captured output.
LEAKING_TEST = """\
import logging

from sqlalchemy import create_engine

from app.settings import get_settings


def test_connects_to_an_unreachable_server():
    url = get_settings().database_url
    print("connecting to", url)
    logging.getLogger("tests").warning("connecting to %s", url)
    with create_engine(url).connect():
        pass


def test_fails_naming_the_url():
    url = get_settings().database_url
    raise AssertionError(f"cannot use {url}")
"""


@pytest.mark.parametrize(
    "command",
    [("python", "-m", "pytest"), ("python", "-m", "pytest", "--showlocals"), ("inv", "test")],
)
def test_failed_service_tests_never_print_the_password(
    project: Project, command: tuple[str, ...]
) -> None:
    (project.path / "tests/test_leaks.py").write_text(LEAKING_TEST)
    url = "postgresql+psycopg://u:S3cretPW@127.0.0.1:1/x"
    arguments = ["tests/test_leaks.py", "-p", "no:cacheprovider"]
    if command[0] == "inv":
        arguments = ["--", "--showlocals", *arguments]
    environment = {"DATABASE_URL": url, "TEST_DATABASE_URL": url}
    completed = project.run(*command, *arguments, env=environment)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0 and "2 failed" in output, output
    assert "S3cretPW" not in output
    assert "u:***@127.0.0.1" in output
