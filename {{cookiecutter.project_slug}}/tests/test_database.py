"""The app's engine reaches a database, and test sessions leave nothing behind."""

from __future__ import annotations
{% if cookiecutter.use_async %}
import asyncio

import pytest
{%- endif %}
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic_steward.testing import {% if cookiecutter.use_async %}async_session_rolled_back_after, {% endif %}session_rolled_back_after
from alembic_steward.urls import with_driver
from sqlalchemy import Connection, make_url, text
{%- if cookiecutter.use_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{%- endif %}
from sqlalchemy.orm import Session

from app.database import create_app_engine
from app.migrations import steward
from app.settings import USE_ASYNC


def test_app_engine_connects_through_the_driver_picked_for_a_plain_url(database_url: str) -> None:
    # The plain form a user writes in DATABASE_URL: postgresql://, mysql://, sqlite://.
    parsed = make_url(database_url)
    plain = parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=False)
    engine = create_app_engine(with_driver(plain, use_async=USE_ASYNC))
{%- if cookiecutter.use_async %}

    async def select_one() -> int:
        async with engine.connect() as connection:
            return (await connection.execute(text("SELECT 1"))).scalar_one()

    try:
        assert asyncio.run(select_one()) == 1
    finally:
        asyncio.run(engine.dispose())
{%- else %}
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
{%- endif %}


def test_db_session_sees_a_database_migrated_to_head(db_session: Session) -> None:
    heads = ScriptDirectory.from_config(steward.alembic_config()).get_heads()
    current = MigrationContext.configure(db_session.connection()).get_current_heads()
    assert set(current) == set(heads)


def test_what_a_session_commits_is_rolled_back_after_the_test(
    migrated_connection: Connection,
) -> None:
    probe = text("INSERT INTO alembic_version (version_num) VALUES ('rollback_probe')")
    count = text("SELECT COUNT(*) FROM alembic_version WHERE version_num = 'rollback_probe'")
    with session_rolled_back_after(migrated_connection) as session:
        session.execute(probe)
        session.commit()
        assert session.execute(count).scalar_one() == 1
    with session_rolled_back_after(migrated_connection) as session:
        assert session.execute(count).scalar_one() == 0
{%- if cookiecutter.use_async %}


# The app's own code is async: async_db_session is db_session through its asyncio driver.
@pytest.mark.asyncio
async def test_async_db_session_sees_a_database_migrated_to_head(
    async_db_session: AsyncSession,
) -> None:
    heads = ScriptDirectory.from_config(steward.alembic_config()).get_heads()

    def current_heads(session: Session) -> tuple[str, ...]:
        return MigrationContext.configure(session.connection()).get_current_heads()

    assert set(await async_db_session.run_sync(current_heads)) == set(heads)


@pytest.mark.asyncio
async def test_what_an_async_session_commits_is_rolled_back_after_the_test(
    migrated_connection: Connection,
) -> None:
    url = migrated_connection.engine.url.render_as_string(hide_password=False)
    probe = text("INSERT INTO alembic_version (version_num) VALUES ('rollback_probe')")
    count = text("SELECT COUNT(*) FROM alembic_version WHERE version_num = 'rollback_probe'")
    async with async_session_rolled_back_after(url) as session:
        await session.execute(probe)
        await session.commit()
        assert (await session.execute(count)).scalar_one() == 1
    async with async_session_rolled_back_after(url) as session:
        assert (await session.execute(count)).scalar_one() == 0
{%- endif %}
