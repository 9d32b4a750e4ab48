"""`python -m app.migrations` and raw `alembic` end a user's mistake in one line, no traceback."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from project import Project, revision_source

PASSWORD = "Sup3r-Secret"
# A server URL of each kind, on a port nothing listens on; SQLite's is a folder that is missing.
UNREACHABLE_URLS = {
    "sqlite": "sqlite:///{missing}/app.db",
    "postgresql": f"postgresql://app:{PASSWORD}@127.0.0.1:1/app",
    "mysql": f"mysql://app:{PASSWORD}@127.0.0.1:1/app",
}
# A revision that writes more than the tiny disk below holds.
LARGE_INSERT = """\
    op.create_table("blobs", sa.Column("body", sa.Text))
    op.execute("INSERT INTO blobs (body) VALUES ('" + "x" * 200_000 + "')")"""


def assert_one_error_line(completed: subprocess.CompletedProcess[str]) -> str:
    """Exit 1, and stderr ends in the one `error:` line (Alembic's INFO lines may come first)."""
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "Traceback" not in output
    lines = completed.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("error: "), output
    assert all(line.startswith("INFO ") for line in lines[:-1]), output
    assert PASSWORD not in output
    return lines[-1]


def assert_alembic_failed_line(completed: subprocess.CompletedProcess[str]) -> str:
    """Raw `alembic` ends in its own one `FAILED:` line (exit 255), as for any CommandError."""
    output = completed.stdout + completed.stderr
    assert completed.returncode == 255, output
    assert "Traceback" not in output
    (line,) = completed.stdout.strip().splitlines()
    assert line.startswith("FAILED: "), output
    # alembic.ini's logging repeats the message on stderr as an ERROR record.
    logged = ("INFO ", "ERROR [alembic.util.messaging] ")
    assert all(record.startswith(logged) for record in completed.stderr.splitlines()), output
    assert PASSWORD not in output
    return line


# One scheme: the URL is refused as it is parsed, before any dialect is chosen.
@pytest.mark.parametrize("scheme", ["postgresql"])
@pytest.mark.parametrize("command", ["upgrade", "current"])
def test_deploy_with_a_port_that_is_not_a_number_ends_in_one_error_line(
    project: Project, scheme: str, command: str
) -> None:
    url = f"{scheme}://app:{PASSWORD}@db.internal:abc/app"
    completed = project.run("python", "-m", "app.migrations", command, env={"DATABASE_URL": url})
    line = assert_one_error_line(completed)
    assert "port" in line and "not a number" in line and "DATABASE_URL" in line


def test_deploy_with_a_dotenv_that_is_not_utf8_ends_in_one_error_line(project: Project) -> None:
    (project.path / ".env").write_bytes(b"DATABASE_URL=sqlite:///caf\xe9.db\n")
    completed = project.run("python", "-m", "app.migrations", "upgrade")
    line = assert_one_error_line(completed)
    assert ".env" in line and "UTF-8" in line


def test_tasks_and_raw_alembic_read_a_dotenv_that_is_not_utf8_in_one_line(
    project: Project,
) -> None:
    (project.path / ".env").write_bytes(b"DATABASE_URL=sqlite:///caf\xe9.db\n")
    completed = project.run("inv", "db.upgrade")
    assert completed.returncode == 1 and "Traceback" not in completed.stderr
    assert ".env" in completed.stderr and "UTF-8" in completed.stderr
    raw = assert_alembic_failed_line(project.run("alembic", "upgrade", "head"))
    assert ".env" in raw and "UTF-8" in raw


@contextlib.contextmanager
def tiny_disk(folder: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs at ``folder``: a full disk a test can make (root may mount one)."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.mark.parametrize("filled", [False, True], ids=["fills-while-migrating", "already-full"])
def test_deploy_on_a_full_disk_ends_in_one_error_line(
    project: Project, tmp_path: Path, filled: bool
) -> None:
    project.write_revision("a1_blobs.py", revision_source("a1", None, LARGE_INSERT))
    with tiny_disk(tmp_path / "disk") as disk:
        if filled:
            (disk / "filler").write_bytes(b"\0" * 64 * 1024)
        url = f"sqlite:///{(disk / 'app.db').as_posix()}"
        completed = project.run(
            "python", "-m", "app.migrations", "upgrade", env={"DATABASE_URL": url}
        )
    line = assert_one_error_line(completed)
    assert "full" in line or "No space left" in line


@pytest.mark.parametrize("kind", list(UNREACHABLE_URLS))
@pytest.mark.parametrize("service", ["sync", "async"])
def test_raw_alembic_ends_a_connection_error_in_its_one_failed_line(
    project: Project, tmp_path: Path, kind: str, service: str
) -> None:
    url = UNREACHABLE_URLS[kind].format(missing=(tmp_path / "missing").as_posix())
    env = {"DATABASE_URL": url, "FIXTURE_ASYNC": "1" if service == "async" else "0"}
    line = assert_alembic_failed_line(project.run("alembic", "upgrade", "head", env=env))
    assert "cannot reach the database" in line


@pytest.mark.parametrize("kind", list(UNREACHABLE_URLS))
def test_deploy_ends_a_connection_error_in_one_line_with_advice(
    project: Project, tmp_path: Path, kind: str
) -> None:
    url = UNREACHABLE_URLS[kind].format(missing=(tmp_path / "missing").as_posix())
    completed = project.run("python", "-m", "app.migrations", "upgrade", env={"DATABASE_URL": url})
    line = assert_one_error_line(completed)
    assert "cannot reach the database" in line and "DATABASE_URL" in line


REPAIRS = {
    "stamp": (("db.stamp", "-r", "head", "--yes"), ("stamp", "head", "--yes")),
    "clear-migration-mark": (("db.clear-migration-mark",), ("clear-migration-mark",)),
}


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
@pytest.mark.parametrize("repair", list(REPAIRS))
def test_a_repair_on_an_unreachable_server_fails_in_the_same_line_from_either_command(
    project: Project, kind: str, repair: str
) -> None:
    # PostgreSQL has no mark to clear, but whether the server is there is not known unasked.
    env = {"DATABASE_URL": UNREACHABLE_URLS[kind]}
    task, deploy = REPAIRS[repair]
    lines = [
        assert_one_error_line(project.run("inv", *task, env=env)),
        assert_one_error_line(project.run("python", "-m", "app.migrations", *deploy, env=env)),
    ]
    assert lines[0].startswith("error: cannot reach the database at"), lines[0]
    assert lines[0].endswith("; nothing was changed"), lines[0]
    # The same line, but for `inv db.url`, which `python -m app.migrations` lacks.
    assert lines[1] == lines[0].replace("error: ", f"error: {repair} failed: ", 1).replace(
        " (`inv db.url` shows where it is set)", ""
    )


def test_a_stamp_names_full_ids_and_refuses_steps_and_unknown_ids_saying_where_it_is(
    project: Project,
) -> None:
    project.write_revision("a1_first.py", revision_source("a1aaaa", None, "    pass"))
    project.write_revision("b2_second.py", revision_source("b2bbbb", "a1aaaa", "    pass"))
    project.inv("db.upgrade", "-r", "a1aaaa")
    deploy = ("python", "-m", "app.migrations", "stamp")
    for step in ("-1", "head-1"):
        for completed in (
            project.run("inv", "db.stamp", "-r", step, "--yes"),
            project.run(*deploy, step, "--yes"),
        ):
            line = assert_one_error_line(completed)
            assert f"{step} is a relative step; give a revision id, head or base" in line, line
    # Where the revisions are listed: `inv db.history`, which `python -m` lacks; its files.
    for completed, listed in (
        (project.run("inv", "db.stamp", "-r", "nosuch", "--yes"), "`inv db.history` lists"),
        (project.run(*deploy, "nosuch", "--yes"), "revisions are the files in"),
    ):
        line = assert_one_error_line(completed)
        assert "'nosuch'; nothing was changed: the database is at a1aaaa;" in line, line
        assert listed in line, line
    # A prefix (or head) is recorded as the revision it names, and said so; a stamp takes one
    # of at least 4 characters (tests/test_revision_prefixes.py).
    stamped = project.inv("db.stamp", "-r", "b2bb", "--yes").stdout
    assert "Stamped the database at b2bbbb." in stamped
    # A stamp runs nothing: the line after says what checks it (in a checkout, where `inv` is).
    assert "No migration ran: `inv db.status` checks that the database is" in stamped
    assert "at a1aaaa." in project.run(*deploy, "a1aa", "--yes").stdout
