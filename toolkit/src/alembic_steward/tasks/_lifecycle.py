"""Tasks that bring the database itself into being and take it away: create, drop, setup, wait."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from alembic_steward.tasks._protection import confirm_destructive
from alembic_steward.tasks._task_options import YES_HELP, LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error, without_password

if TYPE_CHECKING:
    from sqlalchemy import URL

DEFAULT_WAIT_SECONDS = 30.0
PROGRESS_EVERY_SECONDS = 5.0
RETRY_EVERY_SECONDS = 1.0


@contextmanager
def refusals_as_exit() -> Iterator[None]:
    """Turn a server's refusal (no rights, sessions connected) into an `error:` line."""
    from alembic_steward.runtime._server_databases import ServerRefused

    try:
        yield
    except ServerRefused as refusal:
        raise Exit(f"error: {without_password(str(refusal))}", code=1) from None


def describe(url: URL) -> str:
    """Name a database for messages: its file for SQLite, else name and server."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    return f"{url.database} on {url.host or 'localhost'}{f':{url.port}' if url.port else ''}"


@task
@exit_on_user_error
def create(c: Context) -> None:
    """Create the database DATABASE_URL names, unless it exists."""
    create_if_missing()


def create_if_missing() -> None:
    from alembic_steward.runtime._server_databases import (
        create_database,
        database_exists,
        target_url,
    )

    url = target_url()
    if database_exists(url):
        print(f"The database {describe(url)} already exists; nothing to create.")
        return
    with refusals_as_exit():
        created = create_database(url)
    if not created:
        print(f"The database {describe(url)} was created meanwhile by another run; using it.")
        return
    print(f"Created the database {describe(url)}.")


@task(help={"yes": YES_HELP})
@exit_on_user_error
def drop(c: Context, yes: bool = False) -> None:
    """Drop the database DATABASE_URL names, with every table and row in it."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._server_databases import database_exists, drop_database, target_url
    from alembic_steward.tasks._tenants_beside import after_drop, tenants_beside

    url = target_url()
    if not database_exists(url):
        print(f"The database {describe(url)} does not exist; nothing to drop.")
        return
    confirm_destructive(c, "drop", yes)
    refuse_while_migrating(url)
    beside = tenants_beside(url)  # counted before: a dropped schema cannot be counted after
    # The protection check may have left a pooled session, which would keep the database in use.
    get_blocking_engine().dispose()
    with refusals_as_exit():
        drop_database(url)
    print(f"Dropped the database {describe(url)}.")
    if note := after_drop(beside):
        print(note)


def refuse_while_migrating(url: URL) -> None:
    """Refuse to drop while a migration run holds the migration lock, naming the holder."""
    from sqlalchemy import create_engine, pool

    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._lock import hold_migration_lock
    from alembic_steward.runtime._migration_lock_timeout import MigrationLockTimeout

    engine = bound_waits(create_engine(url, poolclass=pool.NullPool))
    try:
        with engine.connect() as connection, hold_migration_lock(connection, 0):
            pass
    except MigrationLockTimeout as error:
        raise Exit(
            f"error: a migration run ({error.holder}) holds the migration lock; wait for it to"
            " finish, then run `inv db.drop` again; nothing was dropped",
            code=1,
        ) from None
    finally:
        engine.dispose()


@task(help={"yes": YES_HELP})
@exit_on_user_error
def setup(c: Context, yes: bool = False) -> None:
    """Create the database, migrate it to head and seed it; safe to run again."""
    from alembic import command

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.tasks._seed import run_seeds

    create_if_missing()
    # Ask before migrating, so a refused seed does not leave a half-done setup behind.
    confirm_destructive(c, "seed", yes)
    command.upgrade(build_alembic_config(), "head")
    print("Migrated to head.")
    run_seeds()


@task(
    klass=LongOnlyOptions,
    long_only=("head",),  # -h is --help in every task
    help={
        "timeout": f"Give up after this many seconds (default {DEFAULT_WAIT_SECONDS:g})",
        "head": "Wait until the migrations have brought the database to this code's head",
    },
)
@exit_on_user_error(reads_only=True)
def wait(c: Context, timeout: float = DEFAULT_WAIT_SECONDS, head: bool = False) -> None:
    """Wait until the database server accepts connections (for containers and CI)."""
    try:
        timeout = float(timeout)
    except ValueError:
        raise Exit(f"error: --timeout {timeout!r} is not a number of seconds", code=1) from None
    if not 0 <= timeout < float("inf"):
        # 0 checks once; a negative or endless wait is a mistake, not a way to wait for ever.
        raise Exit(f"error: --timeout {timeout:g}: give a number of seconds, 0 or more", code=1)
    if head:
        wait_for_migrations(float(timeout))
        return
    from alembic_steward.runtime._server_databases import target_url
    from alembic_steward.tasks._connection_refusals import creation_advice
    from alembic_steward.urls import hide_password

    url = target_url()
    if url.get_backend_name() == "sqlite":
        print("SQLite needs no server; ready.")
        return
    shown = hide_password(url)
    started = time.monotonic()
    next_progress = started + PROGRESS_EVERY_SECONDS
    while True:
        remaining = started + float(timeout) - time.monotonic()
        problem = connection_problem(url, max(remaining, 1.0))
        waited = time.monotonic() - started
        if problem is None:
            print(f"{shown} accepts connections (after {waited:.1f} s).")
            return
        if problem.startswith("missing:"):
            print(f"The server of {shown} accepts connections (after {waited:.1f} s);", end=" ")
            print(f"the database does not exist yet: {creation_advice(url)}.")
            return
        if waited >= float(timeout):
            raise Exit(
                f"error: gave up after {float(timeout):g} s waiting for {shown}: "
                + without_password(problem),
                code=1,
            )
        if time.monotonic() >= next_progress:
            print(f"Still waiting for {shown} ({waited:.0f} s): {without_password(problem)}")
            next_progress += PROGRESS_EVERY_SECONDS
        time.sleep(min(RETRY_EVERY_SECONDS, max(started + float(timeout) - time.monotonic(), 0)))


def wait_for_migrations(timeout: float) -> None:
    """`db.wait --head`: wait for a migration job elsewhere (runtime/_migration_wait.py)."""
    from alembic_steward.runtime._migration_wait import wait_for_head

    code, line = wait_for_head(timeout)
    if code != 0:
        raise Exit(line, code=code)
    print(line)


def connection_problem(url: URL, within: float) -> str | None:
    """Try one connection; None when it works, "missing:" when only the database is missing."""
    from sqlalchemy import create_engine, pool
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.runtime._bounded_waits import bound_waits, connect_arguments
    from alembic_steward.runtime._connecting import refused_option_line
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._server_databases import database_exists
    from alembic_steward.runtime._timeouts import Timeouts
    from alembic_steward.tasks._connection_refusals import refusal_line

    # Each attempt gives up on its own, so a silent network (or a server that accepts the
    # connection but never greets, which PyMySQL's connect timeout does not cover) cannot
    # outlast the timeout.
    attempt = max(min(within, 5.0), 2.0)
    bounds = connect_arguments(url, Timeouts(connect=attempt, read=attempt))
    # The URL's own options win, as in every other task (runtime/_bounded_waits.py): replaced,
    # a `?connect_timeout=abc` the driver refuses everywhere else would pass here.
    connect_args = {name: value for name, value in bounds.items() if name not in url.query}
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
    bound_waits(engine, Timeouts(connect=attempt, read=attempt))
    try:
        with engine.connect():
            return None
    except DBAPIError as error:
        refused_option = refused_option_line(error)
        if refused_option is not None:
            # The URL is wrong, not the server away: no wait can fix it.
            raise Exit(f"error: {without_password(refused_option)}", code=1) from None
        reason = error_reason(error)
    finally:
        engine.dispose()
    try:
        return "missing:" if not database_exists(url, **connect_args) else reason
    except DBAPIError as error:
        refused = refusal_line(error, url)
        if refused is not None:
            # The server is up and has answered: waiting longer cannot change that answer.
            raise Exit(f"error: {refused}", code=StatusExit.REFUSED) from None
        return reason
