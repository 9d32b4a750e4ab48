"""`wait` (`inv db.wait`, `inv db.wait --head`, `python -m app.migrations wait`) ends at once on a
URL option the driver refuses: no wait can fix the URL, so it says so in the line every other
task gives a bad URL, instead of retrying until its timeout."""

from __future__ import annotations

import time

from project import Project, one_error_line
from servers import ServerDatabase, only_on

# An option each driver refuses before it opens any connection.
REFUSED_OPTIONS = {"postgresql": ("sslmode", "bogus"), "mysql": ("charset", "nonsense")}
WAITS = (
    ("python", "-m", "app.migrations", "wait", "--timeout", "60"),
    ("inv", "db.wait", "--head", "--timeout", "60"),
    ("inv", "db.wait", "--timeout", "60"),
)


@only_on("postgresql", "mysql", why="SQLite's URL has no driver options to refuse")
def test_a_url_option_the_driver_refuses_ends_every_wait_at_once_as_a_bad_url(
    project: Project, database: ServerDatabase
) -> None:
    option, value = REFUSED_OPTIONS[database.kind]
    joined = "&" if "?" in database.url else "?"
    env = {"DATABASE_URL": f"{database.url}{joined}{option}={value}"}
    status = project.run("inv", "db.status", env=env)
    assert status.returncode == 1, status.stderr
    said = one_error_line(status.stderr)
    assert f"DATABASE_URL's option {option} is refused by the driver" in said, said
    for command in WAITS:
        started = time.monotonic()
        completed = project.run(*command, env=env)
        waited = time.monotonic() - started
        line = one_error_line(completed.stderr)
        assert (completed.returncode, waited < 20) == (1, True), (command, waited, line)
        assert f"DATABASE_URL's option {option} is refused by the driver" in line, line
        assert "gave up" not in line and "cannot reach" not in line, line


# A value each driver refuses for an option it takes: `inv db.wait` replaced the URL's own
# connect_timeout with its attempt's, and said PostgreSQL "accepts connections" (SQLite: "needs
# no server; ready") where every other task refused the URL.
BADLY_TYPED_OPTIONS = {
    "postgresql": ("connect_timeout", "abc"),
    "mysql": ("connect_timeout", "abc"),
    "sqlite": ("timeout", "abc"),
}


def test_a_value_the_driver_refuses_ends_every_wait_as_every_other_task_ends(
    project: Project, database: ServerDatabase
) -> None:
    option, value = BADLY_TYPED_OPTIONS[database.kind]
    joined = "&" if "?" in database.url else "?"
    env = {"DATABASE_URL": f"{database.url}{joined}{option}={value}"}
    refused = f"DATABASE_URL's option {option} is refused by the driver"
    status = project.run("inv", "db.status", env=env)
    assert status.returncode == 1 and refused in one_error_line(status.stderr), status.stderr
    for command in WAITS:
        completed = project.run(*command, env=env)
        assert completed.returncode == 1, (command, completed.stdout + completed.stderr)
        line = one_error_line(completed.stderr)
        assert refused in line and "accepts connections" not in completed.stdout, line
