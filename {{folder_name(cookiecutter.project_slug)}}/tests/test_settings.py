"""A plain DATABASE_URL gets the installed driver; a URL naming its driver keeps it."""

from __future__ import annotations

import pytest

from app.settings import Setting, Settings, with_driver

PLAIN_URLS = {
    "postgresql://app:pw@db/app": ("postgresql+psycopg", "postgresql+psycopg"),
    "mysql://app:pw@db/app": ("mysql+pymysql", "mysql+aiomysql"),
    "sqlite:///app.db": ("sqlite+pysqlite", "sqlite+aiosqlite"),
}


@pytest.mark.parametrize("url", PLAIN_URLS)
@pytest.mark.parametrize("use_async", [False, True], ids=["blocking", "asyncio"])
def test_plain_url_gets_the_default_driver_for_blocking_or_asyncio_use(
    url: str, use_async: bool
) -> None:
    expected_scheme = PLAIN_URLS[url][use_async]
    assert with_driver(url, use_async=use_async) == expected_scheme + url[url.index(":") :]


@pytest.mark.parametrize(
    "url", ["postgresql+asyncpg://app:pw@db/app", "mysql+asyncmy://app:pw@db/app"]
)
def test_named_asyncio_driver_is_kept_for_asyncio_use(url: str) -> None:
    assert with_driver(url, use_async=True) == url


def test_blocking_callers_get_the_blocking_twin_of_a_named_asyncio_driver() -> None:
    settings = Settings(database=Setting("postgresql+asyncpg://app:pw@db/app", "environment"))
    assert settings.blocking_database_url == "postgresql+psycopg://app:pw@db/app"


@pytest.mark.parametrize("use_async", [False, True], ids=["blocking", "asyncio"])
def test_named_blocking_driver_is_kept(use_async: bool) -> None:
    url = "mysql+mysqldb://app@db/app"
    assert with_driver(url, use_async=use_async) == url


def test_settings_repr_hides_the_password() -> None:
    settings = Settings(database=Setting("postgresql://app:Sup3r-Secret@db/app", "environment"))
    assert "Sup3r-Secret" not in repr(settings)
