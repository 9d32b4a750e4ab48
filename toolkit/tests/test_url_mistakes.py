"""A DATABASE_URL with a typing mistake is refused by every command, `inv db.url` included,
with a line that names the mistake as written rather than what it turned into.

A tester found `inv db.url` printing "<unparseable database URL>" with exit 0 while other
commands' errors sent them to it; a URL with a leading space refused for its "scheme
' postgresql+psycopg'"; `sqlite://t19.db` called "an in-memory SQLite database"; and
`sqlite:///app`, a folder, answered with "check that the file's folder exists".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from project import Project, one_error_line

from alembic_steward.urls import DatabaseUrlError, check_database_url

SECRET = "Sup3r-Secret"
SERVER_URL = f"postgresql+psycopg://app:{SECRET}@127.0.0.1:1/app"
COMMANDS = [
    ("inv", "db.url"),
    ("inv", "db.status"),
    ("inv", "db.upgrade"),
    ("python", "-m", "app.migrations", "current"),
]
MISTAKES = {
    "port-not-a-number": (
        f"postgresql://app:{SECRET}@127.0.0.1:abc/app",
        "its port 'abc' is not a number",
    ),
    "leading-space": (f" {SERVER_URL}", "DATABASE_URL has leading whitespace"),
    "trailing-newline": (f"{SERVER_URL}\n", "DATABASE_URL has trailing whitespace"),
    "sqlite-two-slashes": (
        "sqlite://t19.db",
        "sqlite://t19.db puts t19.db in the host part; write sqlite:///t19.db",
    ),
    "sqlite-host": (
        f"sqlite://app:{SECRET}@localhost/t19.db",
        "sqlite://localhost/t19.db puts localhost in the host part; write sqlite:///t19.db",
    ),
}


@pytest.mark.parametrize(("url", "said"), list(MISTAKES.values()), ids=list(MISTAKES))
def test_the_rule_names_the_mistake(url: str, said: str) -> None:
    with pytest.raises(DatabaseUrlError) as refused:
        check_database_url(url)
    assert said in str(refused.value) and SECRET not in str(refused.value)


@pytest.mark.parametrize(("url", "said"), list(MISTAKES.values()), ids=list(MISTAKES))
def test_every_command_refuses_the_mistake_in_one_line(
    project: Project, url: str, said: str
) -> None:
    for command in COMMANDS:
        completed = project.run(*command, env={"DATABASE_URL": url})
        output = completed.stdout + completed.stderr
        assert completed.returncode != 0, f"{' '.join(command)}:\n{output}"
        line = one_error_line(completed.stderr)
        assert said in line and SECRET not in output, f"{' '.join(command)}: {line}"
        if command == ("inv", "db.url"):
            # It is the command the other lines point to: it must not point to itself.
            assert "inv db.url" not in line and "comes from environment" in line, line


def test_a_url_that_is_fine_still_shows_with_its_source(project: Project) -> None:
    shown = project.inv("db.url", env={"DATABASE_URL": SERVER_URL}).stdout
    assert shown.strip() == "postgresql+psycopg://app:***@127.0.0.1:1/app  (from environment)"


def test_a_sqlite_url_naming_a_folder_says_it_is_a_folder(project: Project) -> None:
    folder = project.path / "app"
    assert folder.is_dir()
    for command in COMMANDS[1:]:
        completed = project.run(*command, env={"DATABASE_URL": "sqlite:///app"})
        line = one_error_line(completed.stderr)
        assert completed.returncode != 0
        assert f"{Path('app')} is a folder, not a file" in line, line
        assert "check that the file's folder exists" not in line, line
