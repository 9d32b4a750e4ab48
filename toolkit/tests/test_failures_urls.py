"""A DATABASE_URL that cannot work ends in one line naming the fix, never part of the password.

The URL rules are checked in-process on every kind of URL; each command's refusal, exit code and
output are checked through the fixture service's real `inv` and `alembic` (docs/failures.md).
"""

from __future__ import annotations

import pytest
from failures import SECRET, error_lines, one_error_line
from project import Project

from alembic_steward.settings import Setting, Settings
from alembic_steward.urls import DatabaseUrlError, lasting_database_url

# URLs whose migrations would be lost (in-memory SQLite vanishes with the task) or misplaced (no
# database name reaches the server's default one), and what the refusal says.
LOST_OR_MISPLACED = {
    "sqlite-empty": ("sqlite://", "in-memory SQLite"),
    "sqlite-memory": ("sqlite:///:memory:", "in-memory SQLite"),
    "sqlite-memory-uri": ("sqlite:///file:x?mode=memory&uri=true", "in-memory SQLite"),
    "postgresql-no-name": (f"postgresql://app:{SECRET}@127.0.0.1:1/", "names no database"),
    "mysql-no-name": (f"mysql://app:{SECRET}@127.0.0.1:1", "names no database"),
}


def test_postgres_scheme_is_read_as_postgresql(project: Project) -> None:
    url = f"postgres://app:{SECRET}@127.0.0.1:1/app"
    settings = Settings(database=Setting(url, "environment"))
    assert settings.database_url.startswith("postgresql+psycopg://app:")
    # Without the PostgreSQL driver, the line names the package that installs it.
    project.hide_modules("psycopg")
    line = one_error_line(project, "inv", "db.current", DATABASE_URL=url)
    assert "'psycopg'" in line and "pip install 'psycopg[binary]'" in line


def test_unknown_scheme_is_named_with_the_supported_ones(project: Project) -> None:
    line = one_error_line(
        project, "inv", "db.upgrade", DATABASE_URL=f"mongodb://app:{SECRET}@db/app"
    )
    assert "'mongodb'" in line and "postgresql://" in line and "sqlite://" in line


@pytest.mark.parametrize(
    ("url", "expected"), list(LOST_OR_MISPLACED.values()), ids=list(LOST_OR_MISPLACED)
)
def test_a_url_whose_migrations_would_be_lost_or_misplaced_is_refused(
    url: str, expected: str
) -> None:
    with pytest.raises(DatabaseUrlError) as refused:
        lasting_database_url(url)
    assert expected in str(refused.value) and SECRET not in str(refused.value)


@pytest.mark.parametrize(
    "command", [("inv", "db.upgrade"), ("inv", "db.status"), ("alembic", "current")]
)
def test_every_command_refuses_a_url_whose_migrations_would_be_lost_or_misplaced(
    project: Project, command: tuple[str, ...]
) -> None:
    for name in ("sqlite-memory", "postgresql-no-name"):
        url, expected = LOST_OR_MISPLACED[name]
        completed = project.run(*command, env={"DATABASE_URL": url})
        assert completed.returncode != 0, completed.stdout
        assert expected in completed.stderr and "Traceback" not in completed.stderr
        assert SECRET not in completed.stdout + completed.stderr


@pytest.mark.parametrize(
    ("driver", "package"),
    [("mysql+mysqldb", "mysqlclient"), ("postgresql+psycopg2", "psycopg2-binary")],
)
def test_missing_driver_is_named_by_the_package_that_installs_it(
    project: Project, driver: str, package: str
) -> None:
    line = one_error_line(
        project, "inv", "db.current", DATABASE_URL=f"{driver}://app:{SECRET}@127.0.0.1:1/app"
    )
    assert f"pip install {package}`" in line


# No part of a password is ever shown.


def test_unencoded_at_sign_in_the_password_is_explained(project: Project) -> None:
    url = "postgresql://app:Sup3r@Secret@127.0.0.1/app"
    for task in ("db.url", "db.upgrade"):
        completed = project.run("inv", task, env={"DATABASE_URL": url})
        (line,) = error_lines(completed)
        assert "write @ as %40" in line
        assert "Sup3r" not in completed.stdout + completed.stderr
        assert "Secret@127" not in completed.stdout + completed.stderr


def test_percent_that_is_not_an_escape_says_how_to_write_it(project: Project) -> None:
    line = one_error_line(
        project, "inv", "db.current", DATABASE_URL=f"postgresql://app:{SECRET}%zz@db/app"
    )
    assert "%25" in line


# A URL option the driver refuses is the URL's fault, not an unreachable server's.


@pytest.mark.parametrize("task", ["db.status", "db.upgrade", "db.check"])
def test_a_url_option_the_driver_refuses_is_named_as_a_bad_url(project: Project, task: str) -> None:
    url = f"postgresql://app:{SECRET}@127.0.0.1:1/app?sslmode=bogus"
    line = one_error_line(project, "inv", task, DATABASE_URL=url)
    assert "DATABASE_URL's option sslmode" in line, line
    assert "cannot reach" not in line and "running and reachable" not in line, line


def test_check_names_an_unreachable_server_as_status_does(project: Project) -> None:
    url = f"postgresql://app:{SECRET}@127.0.0.1:1/app"
    env = {"DATABASE_URL": url}
    status_run = project.run("inv", "db.status", env=env)
    check_run = project.run("inv", "db.check", env=env)
    (status,) = error_lines(status_run, code=5)
    (check,) = error_lines(check_run, code=5)
    assert check == status and "cannot reach the database" in check, check
    assert SECRET not in check_run.stdout + check_run.stderr


# A query parameter the driver's connect() takes no such name for (PyMySQL raised a TypeError
# naming no option; SQLite's dialect dropped it with a warning), each with a secret-looking
# value that must stay hidden.
UNKNOWN_OPTIONS = {
    "pymysql": f"mysql+pymysql://app:{SECRET}@127.0.0.1:1/app?api_key={SECRET}",
    "psycopg": f"postgresql+psycopg://app:{SECRET}@127.0.0.1:1/app?api_key={SECRET}",
    "pysqlite": f"sqlite:///app.db?api_key={SECRET}",
}
# A value the driver cannot read, for an option it takes.
BADLY_TYPED_OPTIONS = {
    "pymysql": ("mysql+pymysql://app@127.0.0.1:1/app?charset=utf8mb4&connect_timeout=abc", "abc"),
    "pysqlite": ("sqlite:///app.db?timeout=abc", "abc"),
}
URL_COMMANDS = [
    ("inv", "db.status"),
    ("inv", "db.upgrade"),
    ("python", "-m", "app.migrations", "upgrade"),
]


@pytest.mark.parametrize("driver", list(UNKNOWN_OPTIONS))
def test_an_option_the_driver_takes_no_such_name_for_is_named_with_the_driver(
    project: Project, driver: str
) -> None:
    for command in URL_COMMANDS:
        line = one_error_line(project, *command, DATABASE_URL=UNKNOWN_OPTIONS[driver])
        assert "DATABASE_URL's option api_key is refused by the driver" in line, line
        assert driver in line and "TypeError" not in line, line


@pytest.mark.parametrize("name", list(BADLY_TYPED_OPTIONS))
def test_an_option_value_the_driver_cannot_read_is_named_not_a_bare_value_error(
    project: Project, name: str
) -> None:
    url, shown = BADLY_TYPED_OPTIONS[name]
    option = url.rpartition("?")[2].rpartition("&")[2].partition("=")[0]
    for command in URL_COMMANDS:
        completed = project.run(*command, env={"DATABASE_URL": url})
        (line,) = error_lines(completed)
        assert f"DATABASE_URL's option {option} is refused by the driver" in line, line
        assert "ValueError" not in line and shown in line, line


def test_a_refused_value_of_an_option_named_as_a_secret_is_not_shown() -> None:
    from sqlalchemy.engine import make_url

    from alembic_steward._driver_options import option_line

    url = make_url(f"mysql+pymysql://app@127.0.0.1:1/app?ssl_key={SECRET}")
    line = option_line(url, "ssl_key", ValueError(f"cannot read {SECRET!r}"))
    assert "DATABASE_URL's option ssl_key is refused by the driver" in line, line
    assert SECRET not in line and "ssl_key=***" in line, line


def test_a_sqlite_option_sqlalchemy_2_0_drops_without_a_warning_is_still_named() -> None:
    # SQLAlchemy 2.0's SQLite dialect passed the names it knows to sqlite3.connect() and
    # dropped the others silently (2.1 warns): what did not reach the driver was dropped.
    from sqlalchemy.engine import make_url

    from alembic_steward._driver_options import dropped_by_sqlite_dialect

    url = make_url("sqlite+pysqlite:///app.db?api_key=x&timeout=3")
    dropped = dropped_by_sqlite_dialect(url, {"timeout": 3.0, "check_same_thread": False})
    assert dropped is not None and "'api_key'" in str(dropped) and "timeout" not in str(dropped)
    passed = {"timeout": 3.0, "check_same_thread": False, "api_key": "x"}
    assert dropped_by_sqlite_dialect(url, passed) is None
    # With uri=true the query is the file's URI, which SQLite reads itself.
    in_uri = make_url("sqlite+pysqlite:///file:app.db?uri=true&mode=ro")
    assert dropped_by_sqlite_dialect(in_uri, {"uri": True}) is None
