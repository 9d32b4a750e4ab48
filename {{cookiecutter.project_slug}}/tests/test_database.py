"""The app's engine reaches a database, and test sessions leave nothing behind."""

from __future__ import annotations
{% if cookiecutter.use_async %}
import asyncio

import pytest
{%- endif %}
from alembic_steward import ensure_up_to_date
from alembic_steward.testing import {% if cookiecutter.use_async %}async_session_rolled_back_after, {% endif %}session_rolled_back_after
from alembic_steward.urls import with_driver
from sqlalchemy import URL, Connection, make_url, text
{%- if cookiecutter.use_async %}
from sqlalchemy.ext.asyncio import AsyncSession
{%- endif %}
from sqlalchemy.orm import Session

from app.database import create_app_engine
from app.settings import USE_ASYNC


def assert_the_start_up_guard_accepts(url: URL) -> None:
    """At this code's head, or (under `inv db.previous-release-check`) ahead of it by a newer
    release's expand revisions only: the databases the service may start against."""
    plain = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=False)
    ensure_up_to_date(with_driver(plain, use_async=False))


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


def test_db_session_sees_a_migrated_database_the_service_may_start_against(
    db_session: Session,
) -> None:
    assert_the_start_up_guard_accepts(db_session.connection().engine.url)


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
async def test_async_db_session_sees_a_migrated_database_the_service_may_start_against(
    async_db_session: AsyncSession,
) -> None:
    assert_the_start_up_guard_accepts((await async_db_session.connection()).engine.url)


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
