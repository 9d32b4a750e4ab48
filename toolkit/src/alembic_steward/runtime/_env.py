"""The env.py additions, each one call: URL, shared options, one guarded run, the connection."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from alembic.util import CommandError

from alembic_steward._wiring import active_steward
from alembic_steward.runtime._config import database_url

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import URL, Connection, Engine

__all__ = ["context_options", "database_url", "migration_run", "run_online"]

logger = logging.getLogger("alembic.env")


def context_options(config: Config, *, dialect_name: str, on_version_apply=()) -> dict[str, Any]:
    """The ``context.configure`` options both modes share, for a database of ``dialect_name``.

    Returns a dict for ``context.configure(**...)``; ``target_metadata`` is left to env.py.
    """
    from alembic_steward.runtime import _autogenerate_review, _bookkeeping, _environment_record
    from alembic_steward.runtime._already_applied import refusing_reruns
    from alembic_steward.runtime._batch_generated_copy import batch_copies_leave_generated_columns
    from alembic_steward.runtime._computed_columns import keep_generated_columns_through_rebuilds
    from alembic_steward.runtime._domain_drops import drop_created_domains
    from alembic_steward.runtime._equal_objects import EQUAL_OBJECTS
    from alembic_steward.runtime._irreversible_plans import refusing_irreversible_downgrades
    from alembic_steward.runtime._lock_waits import limits_option
    from alembic_steward.runtime._offline_bookkeeping import OfflineBookkeeping
    from alembic_steward.runtime._offline_server import steps_for_the_server
    from alembic_steward.runtime._phase_labels import template_writes_phases
    from alembic_steward.runtime._phase_revisions import write_phases
    from alembic_steward.runtime._rebuilt_indexes import restore_rebuilt_indexes
    from alembic_steward.runtime._revision_ids import check_revision_id
    from alembic_steward.runtime._revision_loading import load_revisions_from_source
    from alembic_steward.runtime._sqlite_generated import read_generated_expressions_whole
    from alembic_steward.runtime._tenancy import tenant_context_options

    # Raw `alembic` builds its own config; offline, revisions load once env.py asked for these.
    load_revisions_from_source()
    # A batch rebuild reflects its table (SQLite's generated expressions, read whole) and
    # copies its rows: not into generated columns, which the new table computes.
    read_generated_expressions_whole()
    batch_copies_leave_generated_columns()

    def review_revision_directives(migration_context, revision, directives) -> None:
        """Refuse an id no command can name, correct autogenerate's findings, skip empty ones."""
        # Reached by `alembic revision --autogenerate --rev-id ...` too, before a file is written.
        history = migration_context.script
        existing = {script.revision for script in history.walk_revisions()} if history else set()
        for script in directives:
            check_revision_id(script.rev_id, existing)
            _autogenerate_review.review_operations(
                script,
                migration_context.dialect,
                config.attributes.get(EQUAL_OBJECTS),
                context=migration_context,
            )
            drop_created_domains(script, migration_context)
        skip_empty_autogenerate(config, directives)
        if autogenerating(config) and template_writes_phases(history.dir if history else None):
            # Expand and contract go into separate revisions (runtime/_phase_revisions.py).
            write_phases(config, directives)
            for script in directives[1:]:
                check_revision_id(script.rev_id, existing)
        for script in directives:
            # After the split: what a table's rebuild loses is restored in the same revision.
            restore_rebuilt_indexes(
                script,
                migration_context.dialect.name,
                active_steward().get_metadata(),
                config.attributes.get(EQUAL_OBJECTS),
            )
            keep_generated_columns_through_rebuilds(
                script, migration_context, active_steward().get_metadata()
            )

    return {
        # Each migration's statements wait for locks at most DDL_LOCK_TIMEOUT (_lock_waits.py).
        # Offline on PostgreSQL, DDL for the server's version (runtime/_offline_server.py).
        # Online, never an upgrade() that already ran here (runtime/_already_applied.py), nor
        # a downgrade over a revision that cannot be undone (runtime/_irreversible_plans.py).
        **limits_option(
            steps_for_the_server(refusing_reruns(refusing_irreversible_downgrades(planned_steps())))
        ),
        # The same comparison `db.check` makes.
        **_autogenerate_review.comparison_options(dialect_name),
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        "render_as_batch": dialect_name == "sqlite",
        "process_revision_directives": review_revision_directives,
        # APP_ENV is recorded on a first migration (runtime/_environment_record.py); an offline
        # script writes the checksum and phase rows an online run does (_offline_bookkeeping.py).
        "on_version_apply": [
            _environment_record.record_on_first_migration,
            OfflineBookkeeping(),
            *on_version_apply,
        ],
        # Our own bookkeeping tables are not models: keep them out of autogenerate.
        "include_name": _bookkeeping.include_name,
        # A schema tenant keeps its version table in its own schema (runtime/_tenancy.py).
        **tenant_context_options(),
        **active_steward().context_options,
    }


def autogenerating(config: Config) -> bool:
    """Whether this run writes a revision from the models (not a blank one)."""
    return config.cmd_opts is not None and getattr(config.cmd_opts, "autogenerate", False)


def planned_steps() -> Callable[..., Any] | None:
    """The steps the running Alembic command planned (its ``fn``), or None outside a command."""
    return command_options().get("fn")


def destination() -> str | None:
    """The revision the running Alembic command goes to (`-1`, `base`), or None."""
    return command_options().get("destination_rev")


def command_options() -> dict[str, Any]:
    """The running Alembic command's options (its ``fn``, its destination), or none."""
    from alembic import context

    # The EnvironmentContext behind Alembic's `context` proxy keeps the command's options.
    environment = getattr(context, "_proxy", None)
    return getattr(environment, "context_opts", {})


# Set in a config's attributes by `inv db.revision` when the models' catalog description is the
# database's: whatever autogenerate's comparison still finds is its own blind spot (MariaDB's
# DOUBLE for Float(53), an identity column, a descending index), not a change to write.
CATALOGS_MATCH = "alembic_steward.catalogs_match"


def skip_empty_autogenerate(config: Config, directives: list[Any]) -> None:
    """Write no revision file when autogenerate finds no difference, or the catalogs match."""
    if autogenerating(config):
        script = directives[0]
        if script.upgrade_ops.is_empty() or config.attributes.get(CATALOGS_MATCH):
            directives[:] = []
            # `inv db.revision` (quiet) says so itself, on stdout; raw `alembic` hears it here.
            if not getattr(config.cmd_opts, "quiet", False):
                logger.info("No changes in the models; no revision file written.")


@contextmanager
def migration_run(config: Config, connection: Connection) -> Iterator[dict[str, Any]]:
    """Guard one online run on ``connection``; yield the options for ``context.configure``.

    Holds the migration lock for the whole block (raises MigrationLockTimeout, a CommandError,
    after MIGRATION_LOCK_TIMEOUT seconds), refuses raw `alembic downgrade`/`stamp` on a
    protected database without ``-x confirm=ENV``, lets Ctrl-C stop a migration but never
    its bookkeeping, refuses a migration's own ``commit()`` (MigrationEndedItsTransaction), and
    gives the exception that stops a run the state read from the database afterwards.
    """
    from alembic import context

    from alembic_steward.runtime import _transactions
    from alembic_steward.runtime._failed_runs import SCRATCH_BUILD
    from alembic_steward.runtime._half_applied_marks import run_is_stamp
    from alembic_steward.runtime._interruptions import interruptible_run
    from alembic_steward.runtime._lock import hold_migration_lock
    from alembic_steward.runtime._lock_blockers import watching_lock_waits
    from alembic_steward.runtime._lock_waits import limits_before_run, restore_session_defaults
    from alembic_steward.runtime._mark_directions import DOWNGRADE, run_direction
    from alembic_steward.runtime._migration_lock_timeout import lock_timeout_seconds
    from alembic_steward.runtime._offline_server import remember_server_version
    from alembic_steward.runtime._own_commits import watching_own_commits
    from alembic_steward.runtime._protection import refuse_unconfirmed_raw_command
    from alembic_steward.runtime._repointed_revisions import refuse_repointed_history
    from alembic_steward.runtime._state_after_failure import state_read_after_failure
    from alembic_steward.runtime._tenancy import bound_tenant
    from alembic_steward.runtime._version_callbacks import version_callbacks
    from alembic_steward.runtime._waited_runs import (
        before_running,
        counting_applied,
        found_after_waiting,
    )

    callers_transaction = connection.in_transaction()
    with ExitStack() as run:
        # Raw `alembic` then prints inv's one line (runtime/_interruptions.py).
        run.enter_context(interruptible_run(config, context.script))
        # SQLite waits for the app's writers at its first BEGIN: bounded from here on.
        limits_before_run(connection)
        run.callback(restore_session_defaults, connection)
        # `inv` tasks guard themselves; raw commands need `-x confirm=ENV`.
        refuse_unconfirmed_raw_command(config, connection, context.get_x_argument(True))
        # Taken before Alembic reads the current revision, so concurrent runs (replicas,
        # CI jobs) take turns and each migration runs once. A scratch build's database is this
        # run's alone (a new random name, dropped after): no run can take turns with it, and
        # its lock would cost a server session per revision built.
        if config.attributes.get(SCRATCH_BUILD):
            waited = False
        else:
            waited = run.enter_context(hold_migration_lock(connection, lock_timeout_seconds()))
        # What an offline run then renders for (runtime/_offline_server.py).
        remember_server_version(connection)
        # A revision re-pointed onto revisions that never ran here would hide them for ever.
        current = refuse_repointed_history(connection, context.script)
        # Raw `alembic stamp` lists the checksum rows it writes, read against these afterwards.
        raw_stamp = run_is_raw_stamp(config) and not callers_transaction
        if raw_stamp:
            from alembic_steward.runtime._stamp_differences import rows_before_stamp

            rows_before = rows_before_stamp(connection, current)
        else:
            rows_before = None
        # A migration's own commit() would leave it unrecorded: refused as it happens.
        own_commits = run.enter_context(
            watching_own_commits(connection, active_steward().versions_dir)
        )
        # A failure is then reported with the state read from the database, still under the
        # lock, once the MySQL/MariaDB mark (entered below, so left first) is settled.
        remember = not config.attributes.get(SCRATCH_BUILD)  # a scratch build's is a probe
        applied: list[str] = []
        # Raw `alembic downgrade` names its empty downgrades with them (_raw_run_warnings.py).
        if remember:
            from alembic_steward.runtime._raw_run_warnings import STEPS

            applied = config.attributes.get(STEPS, applied)
        command = getattr(planned_steps(), "__name__", None)
        run.enter_context(
            state_read_after_failure(
                connection,
                own_commits,
                remember=remember,
                finished=applied,
                downgrading=run_direction(command) == DOWNGRADE,
            )
        )
        # A lock timeout then carries the session that held the lock, read from the server.
        run.enter_context(watching_lock_waits(connection))
        # A downgrade that waited says where it goes down from before it plans its steps.
        said = waited and bound_tenant() is None and before_running(command, destination(), current)
        if said:
            print(said)
        # Foreign-key checks on SQLite, revision checksums, and where DDL cannot be rolled back
        # a mark that blocks the next run if this one stops half-way.
        yield context_options(
            config,
            dialect_name=connection.dialect.name,
            on_version_apply=[
                *version_callbacks(
                    run,
                    connection,
                    context.script,
                    stamping=run_is_stamp(config),
                    current=current,
                    watch_batches=remember,
                    direction=run_direction(command),
                ),
                counting_applied(applied),
            ],
        ) | _transactions.transaction_options(connection)
        # A run that waited for another and found nothing left says so (runtime/_waited_runs.py);
        # a fan-out's report row says it for a tenant.
        if waited and not applied and bound_tenant() is None:
            found = found_after_waiting(command, current)
            if found:
                print(found)
        # Raw `alembic stamp` compares as `inv db.stamp` does (runtime/_stamp_differences.py).
        if rows_before is not None:
            from alembic_steward.runtime._stamp_differences import compare_raw_stamp

            environment = context._proxy  # type: ignore[attr-defined]
            try:
                warning = compare_raw_stamp(connection, context.script, current, rows_before)
            finally:
                # The scratch build's own EnvironmentContext removed `alembic.context`'s proxy.
                environment._install_proxy()
            if warning:
                print(warning)


def run_is_raw_stamp(config: Config) -> bool:
    """Whether this run is `alembic stamp` itself (not `inv db.stamp`, which compares first)."""
    from alembic_steward.runtime._half_applied_marks import STAMPING
    from alembic_steward.runtime._protection import raw_alembic_command

    return raw_alembic_command(config) == "stamp" and not config.attributes.get(STAMPING)


def run_online(config: Config, run_migrations: Callable[[Connection], None]) -> None:
    """Call ``run_migrations(connection)`` on a connection handed in, or on one of our own.

    Tests and in-process callers may pass a connection as ``config.attributes["connection"]``
    (Alembic's "sharing a connection" recipe); otherwise the app's settings give the URL and
    whether its engine is asyncio (then run as Alembic's `async` template does, in a thread of
    its own when the caller's thread already runs an event loop, as an async app's lifespan
    does). A URL, driver or server a user got wrong ends in a CommandError (Alembic's one
    `FAILED:` line).
    """
    from alembic_steward.runtime._interruptions import count_a_new_run
    from alembic_steward.runtime._lock_retries import retrying_lock_waits
    from alembic_steward.runtime._revision_loading import load_revisions_from_source

    # Raw `alembic` builds its own config: its run loads the revisions after this call.
    load_revisions_from_source()
    count_a_new_run(config)
    # A migration that hit its lock timeout runs again, from the revision the database is at.
    run_migrations = retrying_lock_waits(run_migrations, config)
    shared_connection = config.attributes.get("connection")
    if shared_connection is not None:
        run_migrations(shared_connection)
        return
    from alembic_steward.runtime._raw_run_warnings import raw_run_warnings

    # Raw `alembic upgrade`/`downgrade` then print inv's warnings after the run.
    with raw_run_warnings(config):
        run_connected(config, run_migrations, database_url())


def run_connected(config: Config, run_migrations: Callable[[Connection], None], text: str) -> None:
    """:func:`run_online` on a connection of its own to the database at ``text``."""
    from alembic_steward.runtime._config import app_settings
    from alembic_steward.runtime._connecting import (
        check_app_driver_installed,
        check_driver_installed,
        parsed_url,
    )
    from alembic_steward.urls import DatabaseUrlError

    url = parsed_url(text)
    try:
        check_app_driver_installed()
    except DatabaseUrlError as error:
        raise CommandError(str(error)) from None
    check_driver_installed(url)
    if app_settings().use_async:
        from alembic_steward.runtime._connecting import check_sqlite_file_opens
        from alembic_steward.runtime._interruptions import reported_interruption

        if url.get_backend_name() == "sqlite":
            check_sqlite_file_opens(url)

        # A signal raises in the event loop, outside the migration: report it there too.
        with reported_interruption(config):
            run_in_event_loop(lambda: run_async(run_migrations, url))
        return
    from alembic_steward.runtime._connecting import connected

    engine = migration_engine(url)
    try:
        with connected(engine) as connection:
            run_migrations_abandonable(run_migrations)(connection)
    finally:
        engine.dispose()


def migration_engine(url: URL, connect_arguments: Callable[..., None] | None = None) -> Engine:
    """The blocking engine a migration run on ``url`` connects through, one connection a run.

    Its session names the run (lock waits say who holds the lock), bounds its waits, gives
    SQLite's DDL a transaction, and works in the bound tenant's schema. The caller disposes.
    ``connect_arguments``: a ``do_connect`` listener that changes each connection's arguments
    (runtime/_tenant_database_engines.py), run before the waits' own, which connects.
    """
    from alembic_steward.runtime._transactions import make_sqlite_ddl_transactional

    engine = reading_engine(url, connect_arguments)
    make_sqlite_ddl_transactional(engine)
    return engine


def reading_engine(url: URL, connect_arguments: Callable[..., None] | None = None) -> Engine:
    """As :func:`migration_engine`, for a run that only reads (a fan-out's status or check):
    its SQLite transactions begin deferred, so a running migration's write lock does not
    hold it up."""
    from sqlalchemy import create_engine, event, pool

    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._main_schema_guard import guard_main_schema
    from alembic_steward.runtime._migration_lock_connection import lock_holder_name
    from alembic_steward.runtime._tenancy import bind_engine_to_schema

    engine = create_engine(url, poolclass=pool.NullPool, connect_args=lock_holder_name(url))
    if connect_arguments is not None:
        # Listened to first: a dialect's do_connect listeners run in the order they came.
        event.listen(engine, "do_connect", connect_arguments)
    bind_engine_to_schema(bound_waits(engine))
    # Unbound, it is the main database's: never a schema that took its search_path.
    guard_main_schema(engine)
    return engine


def run_migrations_abandonable(
    run_migrations: Callable[[Connection], None],
) -> Callable[[Connection], None]:
    """``run_migrations``, on a session the server ends if this client stops talking to it."""

    def run(connection: Connection) -> None:
        from alembic_steward.runtime._sqlite_interrupts import sqlite_statements_interruptible

        make_session_abandonable(connection)
        # SQLite runs a statement in the process: a signal must interrupt it, not wait for it.
        with sqlite_statements_interruptible(connection):
            run_migrations(connection)

    return run


def make_session_abandonable(connection: Connection) -> None:
    """Have the server end ``connection``'s session once this client stops talking to it."""
    from alembic_steward.runtime._session_timeouts import end_abandoned_migration_session
    from alembic_steward.runtime._timeouts import read_timeouts

    if connection.dialect.name != "sqlite":  # a file: no session to abandon
        end_abandoned_migration_session(connection, read_timeouts())


def run_in_event_loop(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """``asyncio.run(main())``, in a worker thread when this thread already runs a loop.

    asyncio.run refuses to start inside a running loop; the worker has none, and the caller
    waits for it, as it would for a blocking migration (`await steward.upgrade_async()` is the
    form that keeps the caller's loop serving meanwhile).
    """
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop_running = False
    else:
        loop_running = True
    from alembic_steward.runtime._cancelled_migrations import (
        CancelledInTheLoop,
        failure_of_cancelled_task,
        signal_with_cancelled_migration,
    )

    if not loop_running:
        from alembic_steward.runtime._interruptions import Terminated

        CancelledInTheLoop.error = None  # an earlier run's is not this one's
        try:
            asyncio.run(main())
        except (KeyboardInterrupt, Terminated) as stop:
            raise signal_with_cancelled_migration(stop) from None
        except asyncio.CancelledError as cancelled:
            CancelledInTheLoop.error = None
            raise failure_of_cancelled_task(cancelled) from None
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="migrations") as worker:
        try:
            worker.submit(lambda: asyncio.run(main())).result()
        except asyncio.CancelledError as cancelled:
            raise failure_of_cancelled_task(cancelled) from None


async def run_async(run_migrations: Callable[[Connection], None], url: URL) -> None:
    """Run migrations on a connection of an asyncio engine (Alembic's async pattern)."""
    import asyncio

    from sqlalchemy import pool
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.ext.asyncio import create_async_engine

    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._cancelled_migrations import CancelledInTheLoop
    from alembic_steward.runtime._connecting import unreachable
    from alembic_steward.runtime._migration_lock_connection import lock_holder_name
    from alembic_steward.runtime._tenancy import bind_engine_to_schema
    from alembic_steward.runtime._transactions import make_sqlite_ddl_transactional

    engine = create_async_engine(url, poolclass=pool.NullPool, connect_args=lock_holder_name(url))
    make_sqlite_ddl_transactional(bound_waits(engine))
    bind_engine_to_schema(engine.sync_engine)
    try:
        connection = engine.connect()
        try:
            await connection.start()
        except DBAPIError as error:
            raise unreachable(error, url) from None
        try:
            await connection.run_sync(run_migrations_abandonable(run_migrations))
        except asyncio.CancelledError as cancelled:
            # A signal stopped the loop, which cancels this: the signal's line tells its state.
            CancelledInTheLoop.error = cancelled
            raise
        finally:
            await connection.close()
    finally:
        await engine.dispose()
