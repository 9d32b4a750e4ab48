"""The README's start-up migration works inside an async app's lifespan, in both its forms."""

from __future__ import annotations

import pytest
from project import Project, revision_source
from servers import ServerDatabase
from sqlalchemy import make_url

USERS_TABLE = """\
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))"""
# The README's form: Alembic's own call, as a blocking app makes it, here inside a running loop.
BLOCKING_CALL = """\
import asyncio

from alembic import command

import app
from app.migrations import steward


async def lifespan() -> None:
    command.upgrade(steward.alembic_config(), "head")
    app.start_service()


asyncio.run(lifespan())
"""
# The awaited form: the loop keeps running (here, a ticker) while the migration does.
AWAITED_CALL = """\
import asyncio

import app
from app.migrations import steward


async def lifespan() -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await steward.upgrade_async()
    ticks_while_migrating = ticks
    ticker.cancel()
    app.start_service()
    print(f"ticks while migrating: {ticks_while_migrating}")


asyncio.run(lifespan())
"""


def app_url(database: ServerDatabase, service: str) -> str:
    """The URL as a user writes it: the plain scheme, so each kind of service picks its driver."""
    if service == "sync":
        return database.url
    parsed = make_url(database.url)
    plain = parsed.set(drivername=parsed.get_backend_name())
    return plain.render_as_string(hide_password=False)


@pytest.fixture(params=["sync", "async"])
def service(request, tmp_path) -> tuple[str, Project]:
    env = {"FIXTURE_ASYNC": "1"} if request.param == "async" else {}
    project = Project.copy_to(tmp_path / "service", **env)
    project.write_revision("a1_users.py", revision_source("a1", None, USERS_TABLE))
    return request.param, project


def run_lifespan(project: Project, source: str, url: str) -> str:
    (project.path / "lifespan.py").write_text(source)
    completed = project.run("python", "lifespan.py", env={"DATABASE_URL": url})
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Traceback" not in output
    return completed.stdout


def test_readme_start_up_call_migrates_inside_a_running_event_loop(
    service: tuple[str, Project], database: ServerDatabase
) -> None:
    kind, project = service
    run_lifespan(project, BLOCKING_CALL, app_url(database, kind))
    assert database.revisions() == {"a1"}
    assert "users" in database.model_tables()


def test_awaited_start_up_migration_keeps_the_event_loop_serving(
    service: tuple[str, Project], database: ServerDatabase
) -> None:
    kind, project = service
    output = run_lifespan(project, AWAITED_CALL, app_url(database, kind))
    assert database.revisions() == {"a1"}
    ticks = int(output.rpartition("ticks while migrating: ")[2])
    assert ticks > 0, "the event loop stood still while the migration ran"
