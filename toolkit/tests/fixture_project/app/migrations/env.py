"""Alembic's migration environment, wired to the app's models and settings.

Alembic's generic env.py; each addition is one named call to alembic-steward's runtime: the
URL from app/settings.py, the options every run shares (autogenerate review, SQLite batch
mode), and around each online run the migration lock, one transaction per migration and the
guard for raw commands on a protected database. Online runs use the app's asyncio engine
when its settings say so, as Alembic's `async` template does.
"""

from logging.config import fileConfig

from alembic import context
from alembic_steward import runtime
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from app.migrations import steward

# this is the Alembic Config object, which provides
# access to the values within the .ini and pyproject.toml files in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# the models' MetaData, for 'autogenerate' support
target_metadata = steward.get_metadata()


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode, printing SQL instead of executing it."""
    url = runtime.database_url()  # from app/settings.py, never from an ini file
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **runtime.context_options(config, dialect_name=make_url(url).get_backend_name()),
    )

    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run migrations on ``connection``, holding the migration lock throughout."""
    with runtime.migration_run(config, connection) as options:
        context.configure(connection=connection, target_metadata=target_metadata, **options)

        with context.begin_transaction():
            context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode, on a connection handed in or one of the app's."""
    runtime.run_online(config, do_run_migrations)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
