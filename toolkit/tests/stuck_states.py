"""Ways into the states no plain migration moves: a half-applied run, a held lock, two heads.

Hand-written revisions and helpers test_status_truth.py puts into the fixture service.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from project import Project, created_revision, revision_source

FIRST_TABLE = """\
    op.create_table("first", sa.Column("id", sa.Integer, primary_key=True))"""
# Changes the schema twice, then fails: a half-applied migration unless DDL rolls back.
FAILING_HALF_WAY = """\
    op.create_table("second", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("first") as batch:
        batch.add_column(sa.Column("extra", sa.String(20)))
    raise RuntimeError("this migration fails half-way")"""
# Changes the schema, says so in a file, then waits (at most 60 s) for the test's go-ahead
# before its second change: a run a test can look at while it is going on.
STARTED, GO_ON = "migration-started", "migration-may-go-on"
WAITING_FOR_THE_TEST = f"""\
    import pathlib
    import time

    op.create_table("second", sa.Column("id", sa.Integer, primary_key=True))
    pathlib.Path("{STARTED}").touch()
    deadline = time.monotonic() + 60
    while not pathlib.Path("{GO_ON}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    op.add_column("first", sa.Column("extra", sa.String(20)))"""
FAILING_AT_ONCE = """\
    raise RuntimeError("this migration fails before it changes anything")"""
# Holds the service's migration lock until killed; prints "locked" once it has it.
LOCK_HOLDER = """\
import time

from alembic_steward.runtime._lock import hold_migration_lock
from sqlalchemy import create_engine, pool

from app.settings import get_settings

engine = create_engine(get_settings().database_url, poolclass=pool.NullPool)
with engine.connect() as connection, hold_migration_lock(connection, timeout=30):
    print("locked", flush=True)
    time.sleep(600)
"""


def write_revision(
    project: Project, revision: str, down_revision: str | None, upgrade: str
) -> Path:
    """Write a revision file by hand, as a user filling in a blank revision would."""
    source = revision_source(
        revision, down_revision, upgrade, message=f"Status test revision {revision}."
    )
    return project.write_revision(f"{revision}_status.py", source)


# A table, then a data-only revision that fills it: a data step a stamp may skip or keep.
NOTES_TABLE = (
    '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("note", sa.String(20)))'
)
NOTE_INSERT = """    op.execute("INSERT INTO t (note) VALUES ('r2')")"""


def table_and_insert_applied(project: Project, url: str, first: str, second: str) -> dict[str, str]:
    """Write ``first`` (table t) and ``second`` (an INSERT into it), upgrade the database at
    ``url`` to ``second``; the environment that points the commands there."""
    env = {"DATABASE_URL": url}
    write_revision(project, first, None, NOTES_TABLE)
    write_revision(project, second, first, NOTE_INSERT)
    project.inv("db.upgrade", env=env)
    return env


def start_lock_holder(project: Project, database_url: str) -> subprocess.Popen[str]:
    """Start a process that takes the migration lock and keeps it; return once it holds it."""
    script = project.path / "hold_migration_lock.py"
    script.write_text(LOCK_HOLDER)
    holder = project.popen(
        "python",
        script.name,
        cwd=project.path,
        env=project.environment(DATABASE_URL=database_url),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def branch_into_two_heads(project: Project) -> tuple[str, str]:
    """Write two blank revisions that both start from base, as two branches merged in git do."""
    left, _ = created_revision(project.inv("db.revision", "-m", "Left", "--empty").stdout)
    right, path = created_revision(project.inv("db.revision", "-m", "Right", "--empty").stdout)
    source = project.path / path
    source.write_text(source.read_text().replace(f'None = "{left}"', "None = None"))
    return left, right
