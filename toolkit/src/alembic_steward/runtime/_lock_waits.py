"""Bound how long each migration's statements wait for a lock another session holds.

A DDL statement waiting for a table lock is not the only one waiting: every query on that
table queues behind it (PostgreSQL's lock queue, MariaDB's metadata locks). So each migration
runs under a lock timeout (PostgreSQL ``SET LOCAL lock_timeout`` in the migration's
transaction, MariaDB ``lock_wait_timeout`` and ``innodb_lock_wait_timeout``, SQLite's busy
timeout) and, optionally, a statement timeout (``statement_timeout``, ``max_statement_time``).
runtime/_lock_retries.py retries a migration that hits the lock timeout.

The values: the wiring's ``ddl_lock_timeout`` / ``ddl_statement_timeout``, under
DDL_LOCK_TIMEOUT / DDL_STATEMENT_TIMEOUT (environment, then `.env`; invoke.yaml's
``db.ddl_lock_timeout`` / ``db.ddl_statement_timeout`` supply them under `inv`), under a
revision's own module-level ``ddl_lock_timeout`` / ``ddl_statement_timeout``. ``off`` (or
None in a revision) turns one off; 0 is refused as ambiguous.

Alembic has no hook before each migration, so the run's ``fn`` (the steps Alembic's command
planned) is wrapped: each revision step first sends the settings, inside its own transaction,
and offline they are written into the SQL, so a printed script carries them too.
"""

from __future__ import annotations

import functools
import inspect
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from alembic.util import CommandError
from sqlalchemy import event

from alembic_steward.runtime._run_connection_lock import RUN_LOCK_VARIABLE, with_run_lock

LOCK_TIMEOUT_VARIABLE = "DDL_LOCK_TIMEOUT"
STATEMENT_TIMEOUT_VARIABLE = "DDL_STATEMENT_TIMEOUT"
# What a revision file sets to override the project's values for its own migration.
REVISION_LOCK_TIMEOUT = "ddl_lock_timeout"
REVISION_STATEMENT_TIMEOUT = "ddl_statement_timeout"
# 0 is no such word: PostgreSQL reads lock_timeout = 0 as "wait for ever", another setting
# (MIGRATION_LOCK_TIMEOUT) reads 0 as "do not wait"; a user meaning either must say which.
OFF = ("off", "none", "")

# The revision file whose settings are being written offline, for the lint's tracer, which
# otherwise attributes SQL only to code in a revision file (lint/_trace.py).
settings_written_for: ContextVar[tuple[Path, int] | None] = ContextVar(
    "settings_written_for", default=None
)
# The settings the running migration was given, to give again in a transaction of its own
# after an autocommit block (alembic_steward.migration).
settings_sent: ContextVar[tuple[str, ...]] = ContextVar("settings_sent", default=())
# The MySQL/MariaDB session settings in force on a driver connection (its ``info``).
SESSION_SETTINGS = "alembic_steward.session_settings"
# Set in a connection's ``info`` by its maker when its session ends with the run (a fan-out's
# tenant connection): nothing to give back then, and on MySQL/MariaDB a round trip less.
SESSION_ENDS_AFTER_RUN = "alembic_steward.session_ends_after_run"
# How much the retry in progress multiplies every lock timeout by (runtime/_lock_retries.py).
attempt = threading.local()


@dataclass(frozen=True)
class LockLimits:
    """The waits one migration runs under, in seconds; None: not bounded."""

    lock_timeout: float | None
    statement_timeout: float | None = None

    def scaled(self, factor: float) -> LockLimits:
        """The same limits with the lock timeout multiplied by ``factor`` (a later retry)."""
        if self.lock_timeout is None:
            return self
        return replace(self, lock_timeout=self.lock_timeout * factor)


def parse_seconds(name: str, value: str, source: str) -> float | None:
    """Read a timeout setting: seconds above 0, or None for off; a CommandError otherwise."""
    text = value.strip().lower()
    if text in OFF:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if seconds == 0:
        raise CommandError(
            f"{name}={value!r} (from {source}) is ambiguous: set a number of seconds above 0"
            " (e.g. 2), or `off` to let migrations wait for locks without a limit"
        )
    if not 0 < seconds < float("inf"):
        raise CommandError(
            f"{name}={value!r} (from {source}) is not a number of seconds; set it to e.g. 2,"
            " or to off"
        )
    return seconds


def project_limits() -> LockLimits:
    """The project's limits: the wiring's defaults under DDL_LOCK_TIMEOUT, DDL_STATEMENT_TIMEOUT."""
    from alembic_steward._wiring import active_steward, read_setting

    steward = active_steward()
    values = []
    for name, default in (
        (LOCK_TIMEOUT_VARIABLE, steward.ddl_lock_timeout),
        (STATEMENT_TIMEOUT_VARIABLE, steward.ddl_statement_timeout),
    ):
        setting = read_setting(name, "off" if default is None else f"{default:g}")
        values.append(parse_seconds(name, setting.value, setting.source))
    return LockLimits(*values)


def revision_limits(module_globals: Mapping[str, Any], project: LockLimits) -> LockLimits:
    """``project``'s limits, overridden by a revision's own module-level values."""
    limits = project
    for attribute, field_name in (
        (REVISION_LOCK_TIMEOUT, "lock_timeout"),
        (REVISION_STATEMENT_TIMEOUT, "statement_timeout"),
    ):
        if attribute in module_globals:
            value = module_globals[attribute]
            where = f"revision file {Path(module_globals.get('__file__') or '?').name}"
            seconds = parse_seconds(attribute, "off" if value is None else str(value), where)
            limits = replace(limits, **{field_name: seconds})
    return limits


def current_scale() -> float:
    return getattr(attempt, "scale", 1.0)


@contextmanager
def scaled_attempt(scale: float) -> Iterator[None]:
    """Multiply every lock timeout of the runs in this block by ``scale`` (a retry)."""
    previous = current_scale()
    attempt.scale = scale
    try:
        yield
    finally:
        attempt.scale = previous


def milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def whole_seconds(seconds: float) -> int:
    """MariaDB's lock waits count whole seconds, and 0 means "do not wait": round up."""
    return max(1, math.ceil(seconds))


def setting_statements(dialect: str, limits: LockLimits) -> list[str]:
    """The SQL that puts a migration under ``limits`` on ``dialect`` (SQLite: none, see below)."""
    lock, statement = limits.lock_timeout, limits.statement_timeout
    if dialect == "postgresql":
        # LOCAL: the setting ends with the migration's transaction, so it never outlives it.
        lines = [] if lock is None else [f"SET LOCAL lock_timeout = '{milliseconds(lock)}ms'"]
        if statement is not None:
            lines.append(f"SET LOCAL statement_timeout = '{milliseconds(statement)}ms'")
        return lines
    if dialect in ("mysql", "mariadb"):
        # lock_wait_timeout bounds metadata (table) locks, innodb_lock_wait_timeout row locks.
        lines = []
        if lock is not None:
            lines.append(
                f"SET SESSION lock_wait_timeout = {whole_seconds(lock)},"
                f" innodb_lock_wait_timeout = {whole_seconds(lock)}"
            )
        if statement is not None:
            lines.append(f"SET SESSION max_statement_time = {statement:g}")
        return lines
    return []


def send_to_driver(connection: Any, statement: str) -> None:
    """Send a session setting on the driver's connection, past SQLAlchemy's transactions.

    Through SQLAlchemy it would begin a transaction (on SQLite a BEGIN IMMEDIATE, the very
    wait a busy timeout bounds) that the run does not expect.
    """
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def set_sqlite_busy_timeout(connection: Any, seconds: float | None) -> None:
    """Make SQLite wait ``seconds`` for another connection's write lock (None: the default)."""
    from alembic_steward.engines import SQLITE_BUSY_TIMEOUT_SECONDS

    wait = SQLITE_BUSY_TIMEOUT_SECONDS if seconds is None else seconds
    send_to_driver(connection, f"PRAGMA busy_timeout = {milliseconds(wait)}")


def restore_session_defaults(connection: Any) -> None:
    """Give a connection handed in back its own waits once a run is over."""
    dialect = connection.dialect.name
    try:
        if dialect == "sqlite":
            set_sqlite_busy_timeout(connection, None)
        elif dialect in ("mysql", "mariadb"):
            # Asked here alone: ``info`` reconnects a connection whose session died.
            if connection.info.get(SESSION_ENDS_AFTER_RUN):
                return
            connection.info.pop(SESSION_SETTINGS, None)
            from alembic_steward.runtime._run_connection_lock import release_on_reset

            # The run's own lock is given back in the same round trip.
            defaults = [
                "SESSION lock_wait_timeout = DEFAULT",
                "innodb_lock_wait_timeout = DEFAULT",
                "max_statement_time = DEFAULT",
                *release_on_reset(connection),
            ]
            send_to_driver(connection, f"SET {', '.join(defaults)}")
    except Exception:  # noqa: BLE001, S110 - a broken connection: the run's own error says so
        pass


def limits_before_run(connection: Any) -> None:
    """Bound the first waits of an online run (SQLite's BEGIN, before any revision is known)."""
    if connection.dialect.name == "sqlite":
        set_sqlite_busy_timeout(connection, project_limits().scaled(current_scale()).lock_timeout)


def steps_under_limits(plan_steps: Callable[..., Any]) -> Callable[..., Iterator[Any]]:
    """Wrap Alembic's ``fn`` so that each revision's migration runs under its limits."""

    def steps(heads: Any, migration_context: Any) -> Iterator[Any]:
        project = project_limits()
        for step in plan_steps(heads, migration_context):
            script = getattr(step, "revision", None)
            if script is not None and getattr(step, "migration_fn", None) is not None:
                limits = revision_limits(vars(script.module), project).scaled(current_scale())
                if migration_context.dialect.name == "sqlite" and not migration_context.as_sql:
                    # Before the step's BEGIN IMMEDIATE, which is where SQLite waits.
                    set_sqlite_busy_timeout(migration_context.connection, limits.lock_timeout)
                step.migration_fn = under_limits(step.migration_fn, migration_context, limits)
            yield step

    return steps


def under_limits(migration_fn: Callable[..., Any], context: Any, limits: LockLimits) -> Any:
    """``migration_fn`` sending the settings for ``limits`` first, inside its transaction."""

    @functools.wraps(migration_fn)
    def run_under_limits(**kw: Any) -> Any:
        # The revision's own function, under the wrappers that run it (signals, SystemExit).
        code = getattr(inspect.unwrap(migration_fn), "__code__", None)
        origin = None if code is None else (Path(code.co_filename), code.co_firstlineno)
        statements = tuple(setting_statements(context.dialect.name, limits))
        token = settings_written_for.set(origin)
        try:
            # The run's own lock rides on the first (runtime/_run_connection_lock.py).
            for statement in with_run_lock(context, not_in_force(context, statements)):
                context.execute(statement)
        finally:
            settings_written_for.reset(token)
        sent = settings_sent.set(statements)
        try:
            return migration_fn(**kw)
        finally:
            settings_sent.reset(sent)

    return run_under_limits


def not_in_force(context: Any, statements: tuple[str, ...]) -> tuple[str, ...]:
    """The settings to send before a migration: on MySQL/MariaDB, none that are in force.

    Their SESSION settings stay on the connection, so a run of many revisions under the same
    limits sent the same SET before each (a round trip a revision, a tenth of a tenant's in a
    fan-out). What was sent is kept on the driver connection (a new one after a reconnect
    starts empty), and forgotten when any other SET goes through it: a migration that sets a
    timeout itself gets the next revision's settings again.
    """
    if context.as_sql or context.dialect.name not in ("mysql", "mariadb"):
        return statements
    connection = context.connection
    if not event.contains(connection, "before_cursor_execute", forget_on_other_settings):
        event.listen(connection, "before_cursor_execute", forget_on_other_settings)
    if connection.info.get(SESSION_SETTINGS) == statements:
        return ()
    connection.info[SESSION_SETTINGS] = statements
    return statements


def forget_on_other_settings(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
    if RUN_LOCK_VARIABLE in statement:
        return  # the settings sent, with the run's lock taken in the same round trip
    if statement[:4].upper() == "SET " and statement not in connection.info.get(
        SESSION_SETTINGS, ()
    ):
        connection.info.pop(SESSION_SETTINGS, None)


def send_settings_again(context: Any) -> None:
    """Give the running migration's settings again: SET LOCAL ended with the transaction an
    autocommit block committed, and what follows the block runs in a new one."""
    for statement in settings_sent.get():
        context.execute(statement)


def limits_option(plan_steps: Callable[..., Any] | None) -> dict[str, Any]:
    """The ``context.configure`` option that applies the limits, given the command's ``fn``."""
    return {} if plan_steps is None else {"fn": steps_under_limits(plan_steps)}
