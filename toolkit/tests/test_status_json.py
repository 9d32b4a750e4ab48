"""`inv db.status --json` prints a JSON document for every exit, failures included."""

from __future__ import annotations

import functools
import json
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from project import Project, revision_source
from servers import ServerDatabase, only_on

# The documented exit codes this file checks besides the states a database reports.
USER_ERROR, UNREACHABLE, REFUSED = 1, 5, 10


def status_document(project: Project, url: str, code: int) -> dict:
    """Run `inv db.status --json`; check the exit code, one stderr line, and parse stdout."""
    completed = project.run("inv", "db.status", "--json", env={"DATABASE_URL": url})
    output = completed.stdout + completed.stderr
    assert completed.returncode == code, output
    assert "Traceback" not in output
    document = json.loads(completed.stdout)
    assert document["exit_code"] == code
    # Stdout is the document alone; the one error line stays on stderr for a human.
    assert completed.stderr.strip().startswith("error: ")
    assert len(completed.stderr.strip().splitlines()) == 1
    return document


@functools.cache
def readable_status_keys() -> frozenset[str]:
    """The keys of `inv db.status --json` on a readable database, read once per test process."""
    with tempfile.TemporaryDirectory() as folder:
        fresh = Path(folder) / "shape.db"
        readable = Project.copy_to(Path(folder) / "readable").run(
            "inv", "db.status", "--json", env={"DATABASE_URL": f"sqlite:///{fresh.as_posix()}"}
        )
        assert readable.returncode == 0, readable.stdout + readable.stderr
        return frozenset(json.loads(readable.stdout))


def same_shape_as_a_readable_status(document: dict) -> None:
    """A failure's document has every key a readable database's status has."""
    assert set(document) == readable_status_keys()


def with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    host = f"{userinfo}@{parts.hostname}" if userinfo else str(parts.hostname)
    return urlunsplit(parts._replace(netloc=f"{host}:{port}"))


@only_on("sqlite", why="the history is refused as it loads, the same whatever the database")
def test_duplicate_revision_ids_end_in_a_json_document_with_exit_1(
    project: Project, database: ServerDatabase
) -> None:
    body = "    pass"
    project.write_revision("a1_first.py", revision_source("a1", None, body))
    project.write_revision("a1_copy.py", revision_source("a1", None, body, message="copy"))
    document = status_document(project, database.url, USER_ERROR)
    assert "revision id a1 is declared by 2 files" in document["problem"]
    assert document["current"] is None and document["revisions"] is None
    same_shape_as_a_readable_status(document)


def test_unreachable_database_ends_in_a_json_document_with_exit_5(
    project: Project, database: ServerDatabase
) -> None:
    if database.kind == "sqlite":
        # A SQLite file in a folder that does not exist cannot be opened.
        url = f"sqlite:///{(project.path / 'missing' / 'folder' / 'app.db').as_posix()}"
    else:
        url = with_port(database.url, 1)
    document = status_document(project, url, UNREACHABLE)
    assert document["problem"].startswith("cannot reach the database")
    assert document["current"] is None
    same_shape_as_a_readable_status(document)


@only_on("postgresql", "mysql", why="SQLite has no server to refuse a user or database")
def test_refused_sign_in_ends_in_a_json_document_with_exit_10(
    project: Project, database: ServerDatabase
) -> None:
    parts = urlsplit(database.url)
    missing = urlunsplit(parts._replace(path=f"/missing_{secrets.token_hex(4)}"))
    document = status_document(project, missing, REFUSED)
    assert "does not exist" in document["problem"] or "may not use" in document["problem"]
    same_shape_as_a_readable_status(document)


@only_on("postgresql", "mysql", why="a SQLite URL has no password")
def test_a_password_in_the_url_never_reaches_the_json_document(
    project: Project, database: ServerDatabase
) -> None:
    parts = urlsplit(with_port(database.url, 1))
    user = parts.username or "app"
    url = urlunsplit(parts._replace(netloc=f"{user}:Sup3r-Secret@{parts.hostname}:1"))
    completed = project.run("inv", "db.status", "--json", env={"DATABASE_URL": url})
    assert completed.returncode == UNREACHABLE
    assert "Sup3r-Secret" not in completed.stdout + completed.stderr
    assert json.loads(completed.stdout)["exit_code"] == UNREACHABLE
