"""An asyncio service is whole: async seeds, async tests, and its own driver checked up front."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on
from sqlalchemy import make_url

# The table Project.add_user_model() describes.
USERS_TABLE = """\
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(255), nullable=False),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )"""
# app/seeds.py as an asyncio service writes it: the async bake's form.
ASYNC_SEEDS = """\
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User


async def seed(session: AsyncSession) -> None:
    for email in ("admin@example.com", "member@example.com"):
        await add_missing(session, User, email=email)


async def add_missing(session: AsyncSession, model: type[Any], **values: Any) -> bool:
    query = select(model).filter_by(**values).limit(1)
    if (await session.scalars(query)).first() is not None:
        return False
    session.add(model(**values))
    return True
"""
# Two tests in file order: what the first commits, the second must not see.
ASYNC_SESSION_TESTS = """\
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User


@pytest.mark.asyncio
async def test_async_session_writes_and_commits(async_db_session: AsyncSession) -> None:
    async_db_session.add(User(email="someone@example.com"))
    await async_db_session.commit()
    count = await async_db_session.scalar(select(func.count()).select_from(User))
    assert count == 1
    assert (await async_db_session.execute(text("SELECT 1"))).scalar_one() == 1


@pytest.mark.asyncio
async def test_what_the_last_test_committed_is_gone(async_db_session: AsyncSession) -> None:
    count = await async_db_session.scalar(select(func.count()).select_from(User))
    assert count == 0
"""
# The asyncio driver a URL names, left uninstalled on purpose (SQLite's is hidden, below).
MISSING_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg", "mysql": "asyncmy"}


def plain_url(database: ServerDatabase) -> str:
    """The URL as a user writes it, so the asyncio service picks its own driver."""
    parsed = make_url(database.url)
    return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=False)


@pytest.fixture
def users_service(async_project: Project) -> Project:
    async_project.add_user_model()
    async_project.write_revision("a1_users.py", revision_source("a1", None, USERS_TABLE))
    return async_project


def test_async_seed_adds_its_rows_on_the_apps_asyncio_engine(
    users_service: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": plain_url(database)}
    (users_service.path / "app" / "seeds.py").write_text(ASYNC_SEEDS)
    users_service.inv("db.upgrade", env=env)
    first = users_service.inv("db.seed", env=env).stdout
    assert "2 row(s) added" in first
    assert database.query("SELECT COUNT(*) FROM users") == [(2,)]
    again = users_service.inv("db.seed", env=env).stdout
    assert "0 row(s) added" in again


def test_async_seed_in_a_blocking_service_is_refused_in_one_line(project: Project) -> None:
    project.add_user_model()
    project.write_revision("a1_users.py", revision_source("a1", None, USERS_TABLE))
    (project.path / "app" / "seeds.py").write_text(ASYNC_SEEDS)
    project.inv("db.upgrade")
    error = project.inv("db.seed", code=1).stderr
    assert error.startswith("error: ") and len(error.strip().splitlines()) == 1
    assert "async def seed" in error and "nothing was seeded" in error


def test_async_db_session_is_rolled_back_after_each_test(
    users_service: Project, database: ServerDatabase
) -> None:
    (users_service.path / "tests" / "test_async_session.py").write_text(ASYNC_SESSION_TESTS)
    # The plugin creates its databases on this server, or temporary SQLite files without one.
    env = {} if database.kind == "sqlite" else {"TEST_DATABASE_URL": plain_url(database)}
    completed = users_service.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/test_async_session.py", env=env
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "2 passed" in completed.stdout
    assert "warning" not in completed.stdout.lower()


def hide_module(folder: Path, module: str) -> str:
    """A folder to put first on PYTHONPATH in which ``module`` cannot be imported."""
    folder.mkdir(exist_ok=True)
    (folder / f"{module}.py").write_text(
        f"raise ModuleNotFoundError(\"No module named '{module}'\", name={module!r})\n"
    )
    return str(folder)


def test_an_asyncio_driver_not_installed_stops_tasks_and_start_up_in_one_line(
    users_service: Project, database: ServerDatabase, tmp_path: Path
) -> None:
    driver = MISSING_ASYNC_DRIVERS[database.kind]
    parsed = make_url(database.url)
    url = parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}")
    env = {"DATABASE_URL": url.render_as_string(hide_password=False)}
    if database.kind == "sqlite":
        hidden = hide_module(tmp_path / "hidden", driver)
        env["PYTHONPATH"] = f"{hidden}:{users_service.path}"
    for task in ("db.status", "db.seed", "db.upgrade"):
        error = users_service.inv(task, code=1, env=env).stderr
        assert error.startswith("error: ") and len(error.strip().splitlines()) == 1, error
        assert f"'{driver}'" in error and f"pip install {driver}" in error
    document = json.loads(users_service.run("inv", "db.status", "--json", env=env).stdout)
    assert document["exit_code"] == 1 and f"pip install {driver}" in document["problem"]
    start = users_service.run("python", "-c", "import app; app.start_service()", env=env)
    assert start.returncode == 1
    assert f"pip install {driver}" in start.stderr.strip().splitlines()[-1]
    raw = users_service.run("alembic", "upgrade", "head", env=env)
    assert raw.stdout.startswith("FAILED: ") and "Traceback" not in raw.stderr


@only_on("sqlite", "mysql", why="psycopg serves the asyncio engine too")
def test_a_blocking_driver_named_for_an_asyncio_service_is_refused_in_one_line(
    users_service: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}  # sqlite:// (pysqlite) or mysql+pymysql://
    if database.kind == "sqlite":
        env["DATABASE_URL"] = database.url.replace("sqlite://", "sqlite+pysqlite://")
    error = users_service.inv("db.status", code=1, env=env).stderr
    assert "a blocking driver" in error and "the service's engine is asyncio" in error
    start = users_service.run("python", "-c", "import app; app.start_service()", env=env)
    assert start.returncode == 1 and "a blocking driver" in start.stderr.splitlines()[-1]
