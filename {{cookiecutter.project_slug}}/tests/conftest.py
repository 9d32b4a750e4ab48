"""Fixtures that give each test its own empty database and an Alembic config bound to it."""

from collections.abc import Iterator

import pytest
from alembic.config import Config
from sqlalchemy import Connection, create_engine

from app.alembic_config import build_alembic_config


@pytest.fixture
def connection(tmp_path) -> Iterator[Connection]:
    """A connection to a fresh SQLite database that lives only as long as the test."""
    engine = create_engine(f"sqlite:///{(tmp_path / 'test.db').as_posix()}")
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@pytest.fixture
def alembic_config(connection: Connection) -> Config:
    """The project's Alembic config, running migrations on the test's connection."""
    config = build_alembic_config()
    config.attributes["connection"] = connection
    return config
