"""A SQLite file in a read-only folder: `db.status` and `db.upgrade` agree nothing can run."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from project import Project, revision_source

CANNOT_MIGRATE = 11
# The table Project.add_user_model() describes, so the database is up to date at a1.
USERS_TABLE = """\
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(255), nullable=False),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )"""
NAME_COLUMN = """\
    op.add_column("users", sa.Column("name", sa.String(100)))"""


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` read-only for this machine's user: root ignores modes, so bind-mount it."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip(f"cannot bind-mount a folder read-only here: {bound.stderr.decode().strip()}")
    try:
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True
        )
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture(params=["sync", "async"])
def service(request, tmp_path: Path) -> Project:
    env = {"FIXTURE_ASYNC": "1"} if request.param == "async" else {}
    project = Project.copy_to(tmp_path / "service", **env)
    project.add_user_model()
    project.write_revision("a1_users.py", revision_source("a1", None, USERS_TABLE))
    (tmp_path / "data").mkdir()
    project.env["DATABASE_URL"] = f"sqlite:///{(tmp_path / 'data' / 'app.db').as_posix()}"
    return project


def status(project: Project) -> tuple[str, dict]:
    """`inv db.status` (its status line) and `inv db.status --json`, both exiting 11."""
    table = project.inv("db.status", code=CANNOT_MIGRATE).stdout
    document = json.loads(project.inv("db.status", "--json", code=CANNOT_MIGRATE).stdout)
    assert document["exit_code"] == CANNOT_MIGRATE
    (line,) = [line for line in table.splitlines() if line.startswith("status:")]
    assert line.removeprefix("status:").strip() == document["problem"]
    return document["problem"], document


def test_status_and_a_no_op_upgrade_agree_in_a_read_only_folder(
    service: Project, tmp_path: Path
) -> None:
    service.inv("db.upgrade")
    with read_only(tmp_path / "data"):
        problem, document = status(service)
        assert "migrations cannot run" in problem and "app.db-migration-lock" in problem
        assert document["current"] == ["a1"] and document["heads"] == ["a1"]
        upgrade = service.inv("db.upgrade", code=1).stderr
        assert "app.db-migration-lock" in upgrade and "the database is at a1" in upgrade
        assert "Traceback" not in upgrade


def test_pending_migrations_in_a_read_only_folder_do_not_advise_an_upgrade(
    service: Project, tmp_path: Path
) -> None:
    service.inv("db.upgrade")
    service.add_user_name_column()
    service.write_revision("a2_name.py", revision_source("a2", "a1", NAME_COLUMN))
    with read_only(tmp_path / "data"):
        problem, document = status(service)
        assert "inv db.upgrade" not in problem
        assert document["current"] == ["a1"] and document["heads"] == ["a2"]
        service.inv("db.upgrade", code=1)


def test_a_database_never_migrated_in_a_read_only_folder_says_so_too(
    service: Project, tmp_path: Path
) -> None:
    # A file copied in, with no migration lock file beside it yet.
    sqlite3.connect(tmp_path / "data" / "app.db").close()
    with read_only(tmp_path / "data"):
        problem, document = status(service)
        assert "app.db-migration-lock" in problem
        assert document["current"] == []
    assert not (tmp_path / "data" / "app.db-migration-lock").exists()
