"""The env.py additions, each one call: URL, shared options, one guarded run, the connection."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from alembic_steward._wiring import active_steward
from alembic_steward.runtime._config import database_url

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection

__all__ = ["context_options", "database_url", "migration_run", "run_online"]

logger = logging.getLogger("alembic.env")


def context_options(config: Config, *, dialect_name: str, on_version_apply=()) -> dict[str, Any]:
    """The ``context.configure`` options both modes share, for a database of ``dialect_name``.

    Returns a dict for ``context.configure(**...)``; ``target_metadata`` is left to env.py.
    """
    from alembic_steward.runtime import _autogenerate_review, _bookkeeping, _environment_record
    from alembic_steward.runtime._revision_ids import check_revision_id

    def review_revision_directives(migration_context, revision, directives) -> None:
        """Refuse a path-like revision id, correct autogenerate's findings, skip an empty one."""
        # Reached by `alembic revision --autogenerate --rev-id ...` too, before a file is written.
        for script in directives:
            check_revision_id(script.rev_id)
            _autogenerate_review.review_operations(script, migration_context.dialect)
        skip_empty_autogenerate(config, directives)

    return {
        # The same comparison `db.check` makes.
        **_autogenerate_review.comparison_options(dialect_name),
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        "render_as_batch": dialect_name == "sqlite",
        "process_revision_directives": review_revision_directives,
        # APP_ENV is recorded on a first migration (runtime/_environment_record.py).
        "on_version_apply": [_environment_record.record_on_first_migration, *on_version_apply],
        # Our own bookkeeping tables are not models: keep them out of autogenerate.
        "include_name": _bookkeeping.include_name,
        **active_steward().context_options,
    }


def skip_empty_autogenerate(config: Config, directives: list[Any]) -> None:
    """Write no revision file when autogenerate finds no difference."""
    cmd_opts = config.cmd_opts
    if cmd_opts is not None and getattr(cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in the models; no revision file written.")


@contextmanager
def migration_run(config: Config, connection: Connection) -> Iterator[dict[str, Any]]:
    """Guard one online run on ``connection``; yield the options for ``context.configure``.

    Holds the migration lock for the whole block (raises MigrationLockTimeout, a CommandError,
    after MIGRATION_LOCK_TIMEOUT seconds), refuses raw `alembic downgrade`/`stamp` on a
    protected database without ``-x confirm=ENV``, and lets Ctrl-C stop a migration but never
    its bookkeeping.
    """
    from alembic import context

    from alembic_steward.runtime import _transactions
    from alembic_steward.runtime._half_applied_marks import run_is_stamp
    from alembic_steward.runtime._interruptions import interruptible_run
    from alembic_steward.runtime._lock import hold_migration_lock, lock_timeout_seconds
    from alembic_steward.runtime._protection import refuse_unconfirmed_raw_command
    from alembic_steward.runtime._version_callbacks import version_callbacks

    with ExitStack() as run:
        # Raw `alembic` then prints inv's one line (runtime/_interruptions.py).
        run.enter_context(interruptible_run(config, context.script))
        # `inv` tasks guard themselves; raw commands need `-x confirm=ENV`.
        refuse_unconfirmed_raw_command(config, connection, context.get_x_argument(True))
        # Taken before Alembic reads the current revision, so concurrent runs (replicas,
        # CI jobs) take turns and each migration runs once.
        run.enter_context(hold_migration_lock(connection, lock_timeout_seconds()))
        # Foreign-key checks on SQLite, revision checksums, and where DDL cannot be rolled back
        # a mark that blocks the next run if this one stops half-way.
        yield context_options(
            config,
            dialect_name=connection.dialect.name,
            on_version_apply=version_callbacks(
                run, connection, context.script, stamping=run_is_stamp(config)
            ),
        ) | _transactions.transaction_options(connection)


def run_online(config: Config, run_migrations: Callable[[Connection], None]) -> None:
    """Call ``run_migrations(connection)`` on a connection handed in, or on one of our own.

    Tests and in-process callers may pass a connection as ``config.attributes["connection"]``
    (Alembic's "sharing a connection" recipe); otherwise the app's settings give the URL and
    whether its engine is asyncio (then run as Alembic's `async` template does).
    """
    shared_connection = config.attributes.get("connection")
    if shared_connection is not None:
        run_migrations(shared_connection)
        return
    from alembic_steward._wiring import get_settings

    if get_settings().use_async:
        import asyncio

        from alembic_steward.runtime._interruptions import reported_interruption

        # A signal raises in the event loop, outside the migration: report it there too.
        with reported_interruption(config):
            asyncio.run(run_async(run_migrations))
        return
    from sqlalchemy import create_engine, pool

    from alembic_steward.runtime._lock import lock_holder_name
    from alembic_steward.runtime._transactions import make_sqlite_ddl_transactional

    url = database_url()
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=lock_holder_name(url))
    make_sqlite_ddl_transactional(engine)
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


async def run_async(run_migrations: Callable[[Connection], None]) -> None:
    """Run migrations on a connection of an asyncio engine (Alembic's async pattern)."""
    from sqlalchemy import pool
    from sqlalchemy.ext.asyncio import create_async_engine

    from alembic_steward.runtime._lock import lock_holder_name
    from alembic_steward.runtime._transactions import make_sqlite_ddl_transactional

    url = database_url()
    engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=lock_holder_name(url))
    make_sqlite_ddl_transactional(engine.sync_engine)
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()
