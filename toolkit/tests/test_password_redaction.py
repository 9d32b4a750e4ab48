"""A password is hidden where it stands in a URL or a connection argument, and nowhere else.

Redaction once replaced every occurrence of the password's text: with the password `the`,
"the server refused" became "*** server refused", garbling the line and showing the password
by its gaps. Now a message keeps its words, and only password fields become `***`.
"""

from __future__ import annotations

import re
import secrets

import pytest
from project import Project
from servers import ServerDatabase, only_on, with_database

from alembic_steward.urls import redact_password

URL = "postgresql+psycopg://theo:the@thehost:5432/thedb"
PROSE = "the server at thehost said: the database is gone"


@pytest.mark.parametrize(
    ("shown", "hidden"),
    [
        # With the driver, without it, quoted by a repr, and inside prose.
        (URL, "postgresql+psycopg://theo:***@thehost:5432/thedb"),
        ("postgresql://theo:the@thehost/thedb", "postgresql://theo:***@thehost/thedb"),
        ("url='postgresql://theo:the@thehost/thedb'", "url='postgresql://theo:***@thehost/thedb'"),
        (f"{PROSE} ({URL})", f"{PROSE} (postgresql+psycopg://theo:***@thehost:5432/thedb)"),
        # A driver echoing its connection arguments: conninfo, a dict's repr, a local variable.
        (
            "host=thehost user=theo password=the dbname=thedb",
            "host=thehost user=theo password=*** dbname=thedb",
        ),
        (
            "{'user': 'theo', 'password': 'the', 'db': 'x'}",
            "{'user': 'theo', 'password': '***', 'db': 'x'}",
        ),
        ("password   = 'the'", "password   = '***'"),
        ("password = b'the'", "password = b'***'"),
        ("{'password': b'the'}", "{'password': b'***'}"),
        ("?sslmode=require&password=the&x=1", "?sslmode=require&password=***&x=1"),
        # Words that merely contain or equal the password stay as they are.
        (PROSE, PROSE),
        ("Access denied for user 'theo'@'localhost' (using password: YES)", None),
        ('password authentication failed for user "theo"', None),
    ],
)
def test_only_password_fields_are_replaced(shown: str, hidden: str | None) -> None:
    assert redact_password(shown, URL) == (shown if hidden is None else hidden)


@pytest.mark.parametrize(
    "password", ["p@ss:w/rd", "my pass", "it's", "100%", "x+y", "the", "a" * 40]
)
def test_every_form_a_url_is_printed_in_is_redacted(password: str) -> None:
    from urllib.parse import quote

    from sqlalchemy import URL as SqlAlchemyUrl

    written = f"mysql+pymysql://root:{quote(password, safe='')}@db.example:3306/app"
    rendered = SqlAlchemyUrl.create(
        "mysql+pymysql", "root", password, "db.example", 3306, "app"
    ).render_as_string(hide_password=False)
    raw = f"mysql://root:{password}@db.example:3306/app"
    text = f"the first: {written}; the second: '{rendered}'; the third: \"{raw}\"; the end"
    redacted = redact_password(text, written)
    assert redacted == (
        "the first: mysql+pymysql://root:***@db.example:3306/app;"
        " the second: 'mysql+pymysql://root:***@db.example:3306/app';"
        ' the third: "mysql://root:***@db.example:3306/app"; the end'
    )


def test_a_url_of_another_database_in_the_message_is_redacted_too() -> None:
    text = "copied from postgresql://admin:hunter2@other/db to the scratch database"
    assert redact_password(text, URL) == (
        "copied from postgresql://admin:***@other/db to the scratch database"
    )


@only_on("postgresql", "mysql", why="a SQLite URL has no password")
def test_a_refused_connection_keeps_its_words_and_hides_the_password(
    project: Project, database: ServerDatabase
) -> None:
    # A wrong password (MariaDB refuses it) or a database that does not exist (PostgreSQL
    # over trust authentication ignores the password): either answer has "the" in its words.
    url = with_database(database.url, f"missing_{secrets.token_hex(4)}")
    scheme, _, rest = url.partition("://")
    user, _, location = rest.partition("@")
    env = {"DATABASE_URL": f"{scheme}://{user.partition(':')[0]}:the@{location}"}
    for task in (
        "db.upgrade",
        "db.current",
        "db.create" if database.kind == "mysql" else "db.seed",
    ):
        # A refusal: exit 10 from every task, as db.status exits for it.
        completed = project.inv(task, code=10, env=env)
        line = completed.stderr.strip()
        assert line.startswith("error: the ") and "***" not in line, line
        assert " the server " in line or " the database " in line, line
        assert len(line.splitlines()) == 1


FAILING_TESTS = """
import os

from sqlalchemy import create_engine


def test_connects_through_the_driver():
    # The driver's frames show its connection arguments under --showlocals.
    with create_engine(os.environ["TEST_DATABASE_URL"]).connect():
        pass


def test_reports_its_connection():
    url = os.environ["TEST_DATABASE_URL"]
    password = "the"
    connect_args = {"user": "theo", "password": password}
    print(f"connecting to {url} with password={password}")
    assert False, f"the server at the host refused {url}: {connect_args}"
"""


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://theo:the@127.0.0.1:1/thedb",
        "mysql+pymysql://theo:the@127.0.0.1:1/thedb",
    ],
)
def test_a_failed_test_report_keeps_its_words_and_hides_the_password(
    project: Project, url: str
) -> None:
    (project.path / "tests" / "test_leak.py").write_text(FAILING_TESTS)
    completed = project.run(
        "pytest",
        "-p",
        "no:cacheprovider",
        "--showlocals",
        "tests/test_leak.py",
        env={"TEST_DATABASE_URL": url},
    )
    report = completed.stdout
    assert completed.returncode == 1 and "2 failed" in report, report
    assert "the server at the host refused" in report
    # The password as a value: in a URL, quoted, or after `=` (`dbname=thedb` is a word).
    assert not re.search(r":the@|'the'|\"the\"|=the\b", report), report
    assert "theo:***@127.0.0.1:1/thedb" in report
    assert "'password': '***'" in report and "password=***" in report
