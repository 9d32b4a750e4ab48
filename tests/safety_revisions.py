"""Helpers the template tests that still drive an installed bake share with the toolkit's.

The toolkit's own tests have these on the fixture service (toolkit/tests/safety_revisions.py);
this copy serves the modules here that still import them, until they move there too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from baked_project import BakedProject, created_revision, revision_source

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
FIRST_TABLE = """\
    op.create_table("first", sa.Column("id", sa.Integer, primary_key=True))"""
# Changes the schema twice, then fails: a half-applied migration unless DDL rolls back.
FAILING_HALF_WAY = """\
    op.create_table("second", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("first") as batch:
        batch.add_column(sa.Column("extra", sa.String(20)))
    raise RuntimeError("this migration fails half-way")"""
# Changes the schema, says so on stdout, then sleeps until a signal stops it.
SLEEPING = """\
    import time

    op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
    print("started", flush=True)
    time.sleep(60)"""


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
    script.write_text(LOCK_HOLDER)
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


def one_error_line(stderr: str, prefix: str = "error: ") -> str:
    """The one line of ``stderr`` that starts with ``prefix``, failing on a traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, stderr
    return lines[0]


def branch_into_two_heads(project: BakedProject) -> tuple[str, str]:
    """Write two blank revisions that both start from base, as two branches merged in git do."""
    add_empty = ("db.revision", "--empty", "-m")
    left, _ = created_revision(project.inv(*add_empty, "Left").stdout)
    right, path = created_revision(project.inv(*add_empty, "Right").stdout)
    source = project.path / path
    source.write_text(source.read_text().replace(f'None = "{left}"', "None = None"))
    return left, right
