"""Hand-written revisions and helpers the safety tests put into a copy of the fixture service."""

from __future__ import annotations

import subprocess
from pathlib import Path

from project import Project, revision_source
from servers import ServerDatabase

# Logs its own run: a second run would fail on the existing table or log a second row.
LOGGING_FIRST = """\
    import time

    op.create_table("migration_log", sa.Column("revision", sa.String(20), nullable=False))
    op.execute("INSERT INTO migration_log (revision) VALUES ('first')")
    time.sleep(1)  # keep the lock long enough for the other runs to queue behind it"""
LOGGING_SECOND = """\
    op.execute("INSERT INTO migration_log (revision) VALUES ('second')")"""

# Holds the project's migration lock until killed; prints "locked" once it has it.
LOCK_HOLDER = """\
import time

from sqlalchemy import create_engine, pool

from alembic_steward.runtime._lock import hold_migration_lock
from app.settings import get_settings

url = get_settings().database_url
engine = create_engine(
    url,
    poolclass=pool.NullPool,
    connect_args={"application_name": "lock holder test"} if url.startswith("postgresql") else {},
)
with engine.connect() as connection, hold_migration_lock(connection, timeout=30):
    print("locked", flush=True)
    time.sleep(600)
"""
# The start-up code the template's README documents (its "Safety" section), as an app runs it.
STARTUP_CODE = """\
from alembic import command

from app.migrations import steward

command.upgrade(steward.alembic_config(), "head")
"""
APP_STARTUP = ("python", "-c", STARTUP_CODE)


def upgrade(project: Project, database: ServerDatabase, *command: str):
    """Run ``command`` (`inv db.upgrade` unless given) on ``database``; capture its output."""
    return project.run(*(command or ("inv", "db.upgrade")), env={"DATABASE_URL": database.url})


def write_revision(
    project: Project, revision: str, down_revision: str | None, upgrade: str
) -> Path:
    """Write a revision file by hand, as a user filling in a blank revision would."""
    source = revision_source(
        revision, down_revision, upgrade, message=f"Safety test revision {revision}."
    )
    return project.write_revision(f"{revision}_safety.py", source)


def start_lock_holder(project: Project, database_url: str) -> subprocess.Popen[str]:
    """Start a process that takes the migration lock and keeps it; return once it holds it."""
    script = project.path / "hold_migration_lock.py"
    script.write_text(LOCK_HOLDER)
    holder = project.start("python", script.name, DATABASE_URL=database_url)
    assert holder.stdout is not None and holder.stderr is not None
    if holder.stdout.readline().strip() != "locked":
        holder.kill()
        raise AssertionError(f"the lock holder never took the lock:\n{holder.stderr.read()}")
    return holder


def one_error_line(stderr: str, prefix: str = "error: ") -> str:
    """The one line of ``stderr`` that starts with ``prefix``, failing on a traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, stderr
    return lines[0]


FIRST_TABLE = """\
    op.create_table("first", sa.Column("id", sa.Integer, primary_key=True))"""
# Changes the schema twice, then fails: a half-applied migration unless DDL rolls back.
FAILING_HALF_WAY = """\
    op.create_table("second", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("first") as batch:
        batch.add_column(sa.Column("extra", sa.String(20)))
    raise RuntimeError("this migration fails half-way")"""
# Changes the schema, then waits to be killed.
KILLED_HALF_WAY = """\
    import time

    op.create_table("second", sa.Column("id", sa.Integer, primary_key=True))
    print("half-way", flush=True)
    time.sleep(600)"""
SECOND_TABLE = """\
    op.create_table("second", sa.Column("id", sa.Integer, primary_key=True))"""
# Changes the schema, says so on stdout, then sleeps until a signal stops it.
SLEEPING = """\
    import time

    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
    print("started", flush=True)
    time.sleep(60)"""
