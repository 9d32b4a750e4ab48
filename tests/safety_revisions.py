"""Hand-written revisions and helpers the safety tests put into a baked project."""

from __future__ import annotations

import subprocess
from pathlib import Path

from baked_project import BakedProject, revision_source

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

engine = create_engine(
    get_settings().database_url,
    poolclass=pool.NullPool,
    connect_args={"application_name": "lock holder test"}
    if engine_is_postgresql(get_settings().database_url)
    else {},
)
with engine.connect() as connection, hold_migration_lock(connection, timeout=30):
    print("locked", flush=True)
    time.sleep(600)
"""
LOCK_HOLDER_PRELUDE = """\
def engine_is_postgresql(url):
    return url.startswith("postgresql")


"""


def write_revision(
    project: BakedProject, revision: str, down_revision: str | None, upgrade: str
) -> Path:
    """Write a revision file by hand, as a user filling in a blank revision would."""
    path = project.path / "app/migrations/versions" / f"{revision}_safety.py"
    path.write_text(
        revision_source(
            revision, down_revision, upgrade, message=f"Safety test revision {revision}."
        )
    )
    return path


def start_lock_holder(project: BakedProject, database_url: str) -> subprocess.Popen[str]:
    """Start a process that takes the migration lock and keeps it; return once it holds it."""
    script = project.path / "hold_migration_lock.py"
    script.write_text(LOCK_HOLDER_PRELUDE + LOCK_HOLDER)
    holder = subprocess.Popen(
        [project.executable("python"), script.name],
        cwd=project.path,
        env=project.environment(DATABASE_URL=database_url),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def start(project: BakedProject, *command: str, **env: str) -> subprocess.Popen[str]:
    """Start one of the project's commands without waiting for it."""
    return subprocess.Popen(
        [project.executable(command[0]), *command[1:]],
        cwd=project.path,
        env=project.environment(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


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
