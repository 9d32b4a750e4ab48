"""A service whose history declares a backfill (`users_lower`, over `users`), and what the
backfill tests read of it: the rows it lowered, its record, a revision requiring it."""

from __future__ import annotations

import functools
import tempfile
import time
from pathlib import Path

from made_revisions import MadeRevision, made
from project import Project, revision_source
from servers import ServerDatabase
from test_drift_detection import inv, set_models

ROWS, BATCH = 250, 100
# Seconds between batches where a test acts on a runner between two of them (starts a second
# runner, kills it, sends SIGTERM): far longer than any test waits, so the runner cannot finish
# first on a slow machine; a stop request cuts the pause short.
LONG_PAUSE = 60.0
# The pause test's rows: 20 batches half a second apart, so `pause` lands between two.
PAUSED_ROWS = 2000
USERS = """

class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(60))
    email_lower: Mapped[str | None] = mapped_column(sa.String(60))
"""
DECLARING = """from alembic_steward.backfills import Backfill

backfills = [
    Backfill(
        name="users_lower",
        table="users",
        key="id",
        set="{set}",
        pending="{pending}",
        batch_size={batch},
        pause_seconds={pause},
    )
]
"""
REQUIRING = "from alembic_steward.backfills import require_backfill\n"


@functools.cache
def users_revision() -> MadeRevision:
    """USERS's revision as `inv db.revision` writes it, made once per test process on SQLite:
    autogenerating it is no subject of the backfill tests, and its check against a scratch
    database cost each of them a second or more on a server."""
    with tempfile.TemporaryDirectory() as folder:
        project = Project.copy_to(Path(folder) / "service")
        set_models(project, USERS)
        return made(project, "-m", "users")


def history_with_backfill(
    project: Project,
    database: ServerDatabase,
    *,
    pause: float = 0.0,
    rows: int = ROWS,
    pending: str = "email_lower IS NULL",
    set_: str = "email_lower = lower(email)",
) -> str:
    """users (with ``rows`` rows, upper-case emails), then a revision declaring the backfill."""
    set_models(project, USERS)
    first = users_revision().copy_to(project)
    inv(project, database, "db.upgrade")
    values = ", ".join(f"({n}, 'USER{n}@EXAMPLE.COM')" for n in range(1, rows + 1))
    database.query(f"INSERT INTO users (id, email) VALUES {values}")
    source = revision_source("bf0001", first, "    pass")
    declaring = source.replace(
        "from alembic import op\n",
        "from alembic import op\n"
        + DECLARING.format(batch=BATCH, pause=pause, pending=pending, set=set_),
    )
    project.write_revision("bf0001_backfill.py", declaring)
    inv(project, database, "db.upgrade")
    return "bf0001"


def lowered(database: ServerDatabase) -> int:
    return database.query("SELECT count(*) FROM users WHERE email_lower IS NOT NULL")[0][0]


def record(database: ServerDatabase) -> tuple:
    """(state, cursor, rows_done, batches), or () before the first run made the table."""
    if "alembic_backfills" not in database.tables():
        return ()
    rows = database.query(
        "SELECT state, last_key, rows_done, batches FROM alembic_backfills"
        " WHERE name = 'users_lower'"
    )
    return rows[0] if rows else ()


def require_in_next_revision(project: Project, database: ServerDatabase, down: str) -> None:
    upgrade = '    require_backfill("users_lower", finish_inline_up_to=10)'
    source = revision_source("bf0002", down, upgrade).replace(
        "from alembic import op\n", "from alembic import op\n" + REQUIRING
    )
    project.write_revision("bf0002_require.py", source)


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the backfill's first batch")
        time.sleep(0.05)


def run_deployed(project: Project, database: ServerDatabase, *arguments: str) -> str:
    completed = project.run(
        "python", "-m", "app.migrations", *arguments, env={"DATABASE_URL": database.url}
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout + completed.stderr
