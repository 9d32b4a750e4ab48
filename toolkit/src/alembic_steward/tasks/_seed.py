"""Fill the database with the project's seed data, app/seeds.py, in one transaction."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from invoke import Context, task

from alembic_steward.tasks._protection import confirm_destructive
from alembic_steward.tasks._task_options import YES_HELP
from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@task(help={"yes": YES_HELP})
@exit_on_user_error
def seed(c: Context, yes: bool = False) -> None:
    """Add the seed rows of app/seeds.py that the database lacks."""
    confirm_destructive(c, "seed", yes)
    run_seeds()


def run_seeds() -> None:
    """Run `app.seeds.seed` in one transaction on a database at head; report what it wrote.

    An ``async def seed(session)`` runs on an AsyncSession of the app's asyncio engine, as the
    service's own code does; a plain ``def seed(session)`` on a blocking Session.
    """
    from alembic_steward.runtime._waited_runs import holding_migration_lock

    # Under the migration lock, so that runs from several replicas take turns: each seed's
    # "add the row unless it is there" then sees every row an earlier run added.
    with holding_migration_lock():
        seed_under_lock()


def seed_under_lock() -> None:
    from alembic.util import CommandError

    from alembic_steward._wiring import active_steward, get_settings
    from alembic_steward.runtime._up_to_date import ensure_up_to_date

    # Seeds are written against the models, so they need the schema the models describe.
    ensure_up_to_date()
    seed_rows = active_steward().get_seed()
    counts = WrittenRows()
    if inspect.iscoroutinefunction(seed_rows):
        if not get_settings().use_async:
            raise CommandError(
                "app/seeds.py has `async def seed`, but this service's engine is blocking (it"
                " was baked without use_async); write it as `def seed(session: Session)`;"
                " nothing was seeded"
            )
        import asyncio

        asyncio.run(seed_asynchronously(seed_rows, counts))
    else:
        seed_blocking(seed_rows, counts)
    print(f"Seeded the database: {len(counts.added)} row(s) added, {len(counts.changed)} changed.")


class WrittenRows:
    """The rows a seed's flushes added or changed, counted as the session flushes them."""

    def __init__(self) -> None:
        self.added: list[object] = []
        self.changed: list[object] = []

    def count(self, session: Session, _flush_context: object) -> None:
        # after_flush still sees the flushed objects as new or dirty.
        self.added.extend(session.new)
        self.changed.extend(row for row in session.dirty if session.is_modified(row))


def seed_blocking(seed_rows: Callable[[Session], object], counts: WrittenRows) -> None:
    from alembic.util import CommandError
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from alembic_steward._wiring import get_blocking_engine

    with Session(get_blocking_engine()) as session:
        event.listen(session, "after_flush", counts.count)
        with session.begin():
            result = seed_rows(session)
            if inspect.iscoroutine(result):
                # Declared `def` yet returning a coroutine: it ran nothing; do not commit.
                result.close()
                raise CommandError(
                    "app/seeds.py's seed() returned a coroutine without being declared"
                    " `async def`; declare it `async def seed(session)`; nothing was seeded"
                )


async def seed_asynchronously(seed_rows: Callable[..., Any], counts: WrittenRows) -> None:
    """Await ``seed_rows(session)`` on an AsyncSession of the app's own URL and driver."""
    from sqlalchemy import event, pool
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from alembic_steward._wiring import get_settings
    from alembic_steward.engines import sqlite_busy_timeout
    from alembic_steward.runtime._bounded_waits import bound_waits

    url = get_settings().database_url
    engine = create_async_engine(
        url, poolclass=pool.NullPool, connect_args=sqlite_busy_timeout(url)
    )
    bound_waits(engine)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            event.listen(session.sync_session, "after_flush", counts.count)
            async with session.begin():
                await seed_rows(session)
    finally:
        await engine.dispose()
