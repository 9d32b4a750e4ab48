"""Alembic's migration environment, wired to the app's models and settings.

Alembic's generic env.py plus eight additions, each marked: the URL from app/settings.py, a
handed-in connection, SQLite batch mode, no file for an empty (or path-like) autogenerate, a
lock, one transaction per migration (a mark on MySQL/MariaDB), a wider, ordered autogenerate,
and a guard for raw commands on a protected database.
{%- if cookiecutter.use_async %}
Online runs use the app's asyncio engine, as Alembic's `async` template does.
{%- endif %}
"""

{% if cookiecutter.use_async -%}
import asyncio
{% endif -%}
import logging
from contextlib import ExitStack
from logging.config import fileConfig

from alembic import context
{%- if cookiecutter.use_async %}
from sqlalchemy import Connection, pool
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
{%- else %}
from sqlalchemy import Connection, create_engine, pool
from sqlalchemy.engine import make_url
{%- endif %}

from app.migrations import autogenerate_review, bookkeeping, environment_record, transactions
from app.migrations.config import database_url
from app.migrations.interruptions import interruptible_run{% if cookiecutter.use_async %}, reported_interruption{% endif %}
from app.migrations.lock import hold_migration_lock, lock_holder_name, lock_timeout_seconds
from app.migrations.protection import refuse_unconfirmed_raw_command
from app.migrations.revision_ids import check_revision_id
from app.migrations.version_callbacks import version_callbacks
from app.models import Base

# this is the Alembic Config object, which provides
# access to the values within the .ini and pyproject.toml files in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

logger = logging.getLogger("alembic.env")

# the models' MetaData, for 'autogenerate' support
target_metadata = Base.metadata


def review_revision_directives(migration_context, revision, directives) -> None:
    """Refuse a path-like revision id, correct autogenerate's findings, skip an empty one."""
    # Reached by `alembic revision --autogenerate --rev-id ...` too, before any file is written.
    for script in directives:
        check_revision_id(script.rev_id)
        autogenerate_review.review_operations(script, migration_context.dialect)
    skip_empty_autogenerate(directives)


def skip_empty_autogenerate(directives) -> None:
    """Write no revision file when autogenerate finds no difference (addition 4)."""
    cmd_opts = config.cmd_opts
    if cmd_opts is not None and getattr(cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in the models; no revision file written.")


def configure_context(*, dialect_name: str, on_version_apply=(), **options) -> None:
    """Configure the migration context with the options both modes share."""
    context.configure(
        target_metadata=target_metadata,
        **autogenerate_review.comparison_options(dialect_name),  # as `db.check` (addition 7)
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead (addition 3).
        render_as_batch=dialect_name == "sqlite",
        process_revision_directives=review_revision_directives,
        # APP_ENV is recorded on a first migration (app/migrations/environment_record.py).
        on_version_apply=[environment_record.record_on_first_migration, *on_version_apply],
        # Our own bookkeeping tables are not models: keep them out of autogenerate.
        include_name=bookkeeping.include_name,
        **options,
    )


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode, printing SQL instead of executing it."""
    # The URL comes from the app's settings, never from an ini file (addition 1).
    url = database_url()
    configure_context(
        url=url,
        dialect_name=make_url(url).get_backend_name(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_on(connection: Connection) -> None:
    """Run migrations on an open connection, holding the migration lock throughout."""
    with ExitStack() as run:
        # Ctrl-C stops a migration at once but never its bookkeeping once it ran to its end;
        # raw `alembic` then prints inv's one line (app/migrations/interruptions.py).
        run.enter_context(interruptible_run(config, context.script))
        # Raw `alembic downgrade`/`stamp` on a protected database need `-x confirm=ENV`
        # (addition 7; app/migrations/protection.py); `inv` tasks guard themselves.
        refuse_unconfirmed_raw_command(config, connection, context.get_x_argument(True))
        # Taken before Alembic reads the current revision, so concurrent runs (replicas,
        # CI jobs) take turns and each migration runs once (addition 5; app/migrations/lock.py).
        run.enter_context(hold_migration_lock(connection, lock_timeout_seconds()))
        # Foreign-key checks on SQLite, revision checksums, and where DDL cannot be rolled back
        # a mark that blocks the next run if this one stops half-way (addition 6).
        configure_context(
            connection=connection,
            dialect_name=connection.dialect.name,
            on_version_apply=version_callbacks(run, connection, context.script),
            **transactions.transaction_options(connection),
        )

        with context.begin_transaction():
            context.run_migrations()


{%- if cookiecutter.use_async %}


async def run_async_migrations() -> None:
    """Run migrations on a connection of the app's asyncio engine (Alembic's async pattern)."""
    url = database_url()
    engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=lock_holder_name(url))
    transactions.make_sqlite_ddl_transactional(engine.sync_engine)
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations_on)
    await engine.dispose()
{%- endif %}


def run_migrations_online() -> None:
    """Run migrations in 'online' mode, on a connection handed in or one of our own."""
    # Tests and in-process callers may pass a connection (addition 2), as in Alembic's
    # "sharing a connection" recipe.
    shared_connection = config.attributes.get("connection")
    if shared_connection is not None:
        run_migrations_on(shared_connection)
        return
{% if cookiecutter.use_async %}
    # A signal raises in the event loop, outside the migration: report it there too.
    with reported_interruption(config):
        asyncio.run(run_async_migrations())
{%- else %}
    url = database_url()
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=lock_holder_name(url))
    transactions.make_sqlite_ddl_transactional(engine)
    with engine.connect() as connection:
        run_migrations_on(connection)
{%- endif %}


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
