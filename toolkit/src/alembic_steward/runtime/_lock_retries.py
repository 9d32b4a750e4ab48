"""Retry a migration that hit its lock timeout, with longer waits and pauses, then give up.

GitLab's ``with_lock_retries`` is the model: a short lock timeout keeps the application's
queries from queueing behind a migration for long, and retrying later, with growing timeouts
and pauses between attempts, gets the migration through once the blocking session is gone.
A retry re-runs env.py's ``do_run_migrations``, which starts again from the revision the
database is at: only the failed migration (rolled back; one transaction per migration) runs
again. On MySQL/MariaDB, whose DDL cannot be rolled back, a migration is retried only when
none of its statements had run (its half-applied mark is gone, read from the database).

With lock timeout T (2 s by default): attempts wait at most T, T, 2T, 2T and 4T for any one
lock, with pauses of about T/2, T, 2T and 4T (plus up to T/4 of jitter) between them, so a
migration blocked on one statement gives up after at most 18.5 T (37 s by default). Giving up
is a LockWaitGaveUp: one line naming the blocking session and the state read from the
database, exit code 75 (EX_TEMPFAIL) under `inv` and `python -m app.migrations`.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from alembic.util import CommandError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection

    from alembic_steward.runtime._state_lines import StateAfterFailure

logger = logging.getLogger("alembic.env")

# Each attempt's lock timeout, as a multiple of the configured one.
ATTEMPT_SCALES = (1, 1, 2, 2, 4)
# sysexits.h's EX_TEMPFAIL: the same command may well succeed later.
GAVE_UP_EXIT_CODE = 75
POSTGRESQL_LOCK_NOT_AVAILABLE = "55P03"
MYSQL_LOCK_WAIT_TIMEOUT = 1205


class LockWaitGaveUp(CommandError):
    """A migration kept hitting its lock timeout through every retry; the message names why."""

    exit_code = GAVE_UP_EXIT_CODE


def errors_in_chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        yield from filter(None, [getattr(current, "orig", None)])
        current = current.__cause__ or current.__context__


def is_lock_timeout(error: BaseException) -> bool:
    """Tell whether ``error`` is a statement giving up on a lock another session holds."""
    for found in errors_in_chain(error):
        if getattr(found, "sqlstate", None) == POSTGRESQL_LOCK_NOT_AVAILABLE:
            return True
        if getattr(found, "pgcode", None) == POSTGRESQL_LOCK_NOT_AVAILABLE:
            return True
        arguments = getattr(found, "args", ())
        if arguments and arguments[0] == MYSQL_LOCK_WAIT_TIMEOUT:
            return True
        # SQLITE_BUSY: the busy timeout passed with another connection's write lock held.
        if type(found).__module__ == "sqlite3" and "database is locked" in str(found):
            return True
    return False


def may_retry(error: BaseException) -> bool:
    """A lock timeout whose run was rolled back whole, as read from the database afterwards."""
    from alembic_steward.runtime._state_lines import state_of

    if not is_lock_timeout(error):
        return False
    state = state_of(error)
    if state is None:
        # Stopped before any migration began (SQLite's first BEGIN waits for the app's
        # writers): nothing of this run was changed. A caller's own transaction, which only
        # the caller may end, is never retried (``retrying_lock_waits``).
        return True
    if state.heads is None:
        return False
    return state.transactional_ddl or not state.marked


def retrying_lock_waits(
    run_migrations: Callable[[Connection], None], config: Config | None = None
) -> Callable[..., None]:
    """Wrap env.py's ``do_run_migrations`` so a lock timeout is retried, then given up on;
    ``config``, the run's, tells a stamp from a migration run for the line."""
    from alembic_steward.runtime._half_applied_marks import run_is_stamp

    stamping = config is not None and run_is_stamp(config)

    @functools.wraps(run_migrations)
    def run_with_retries(connection: Connection) -> None:
        from alembic_steward.runtime._lock_waits import project_limits

        base = project_limits().lock_timeout
        if base is None or connection.in_transaction():
            run_migrations(connection)
            return
        started = time.monotonic()
        try:
            run_attempts(run_migrations, connection, base)
        except LockTimeoutExhausted as exhausted:
            elapsed = time.monotonic() - started
            last = exhausted.last
            raise gave_up(last, connection, base, elapsed, stamping=stamping) from last

    return run_with_retries


class LockTimeoutExhausted(Exception):
    """Every attempt hit the lock timeout; ``last`` is the last attempt's error."""

    def __init__(self, last: BaseException) -> None:
        super().__init__(str(last))
        self.last = last


def run_attempts(run: Callable[[Connection], None], connection: Connection, base: float) -> None:
    """Call ``run(connection)`` under tenacity's schedule of attempts and pauses."""
    import tenacity

    from alembic_steward.runtime._lock_waits import scaled_attempt

    verdicts: dict[int, bool] = {}

    def judged(error: BaseException) -> bool:
        verdicts[id(error)] = may_retry(error)
        return verdicts[id(error)]

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(len(ATTEMPT_SCALES)),
        wait=tenacity.wait_exponential_jitter(initial=base / 2, max=base * 4, jitter=base / 4),
        retry=tenacity.retry_if_exception(judged),
        before_sleep=announce_retry(base, connection),
        reraise=True,
    )
    try:
        for attempt in retrying:
            scale = ATTEMPT_SCALES[attempt.retry_state.attempt_number - 1]
            with attempt, scaled_attempt(scale):
                run(connection)
    except Exception as error:
        if verdicts.get(id(error)):
            raise LockTimeoutExhausted(error) from None
        raise


def announce_retry(base: float, connection: Connection) -> Callable[[Any], None]:
    """Say that an attempt timed out, and leave ``connection`` out of any transaction."""
    from alembic_steward.runtime._state_after_failure import end_transaction

    def announce(retry_state: Any) -> None:
        end_transaction(connection)
        number = retry_state.attempt_number
        pause = retry_state.next_action.sleep if retry_state.next_action else 0.0
        logger.warning(
            "A lock wait timed out (attempt %d of %d, lock timeout %g s); rolled back, trying"
            " again in %.1f s with a lock timeout of %g s",
            number,
            len(ATTEMPT_SCALES),
            base * ATTEMPT_SCALES[number - 1],
            pause,
            base * ATTEMPT_SCALES[number],
        )

    return announce


def timeouts_shown(base: float, dialect: str, module_globals: dict[str, Any] | None) -> str:
    """The lock timeouts the attempts used, as the database counted them."""
    from alembic_steward.runtime._lock_waits import (
        LockLimits,
        project_limits,
        revision_limits,
        whole_seconds,
    )

    limits = LockLimits(base, project_limits().statement_timeout)
    if module_globals is not None:
        limits = revision_limits(module_globals, limits)
    if limits.lock_timeout is None:
        return "no lock timeout"
    values = [limits.lock_timeout * scale for scale in ATTEMPT_SCALES]
    if dialect in ("mysql", "mariadb"):
        values = [whole_seconds(value) for value in values]
    return "lock timeouts " + ", ".join(f"{value:g}" for value in values) + " s"


def gave_up(
    error: BaseException,
    connection: Connection,
    base: float,
    elapsed: float,
    *,
    stamping: bool = False,
) -> LockWaitGaveUp:
    """The one line for a run that hit its lock timeout on every attempt: a migration, the run
    before its first migration or between two, or a stamp (``stamping``), said for what it is."""
    from alembic_steward.runtime._interruptions import HeldSignal
    from alembic_steward.runtime._lock_blockers import blocker_text
    from alembic_steward.runtime._migration_frames import migration_frame
    from alembic_steward.runtime._state_after_failure import read_state_afresh
    from alembic_steward.runtime._state_lines import state_of

    try:
        frame = migration_frame(error)
    except Exception:  # noqa: BLE001 - no wiring: the line names no revision
        frame = None
    in_migration = frame is not None and frame.function in ("upgrade", "downgrade")
    # None: it stopped before any migration began; read now, on a connection of the app's.
    state = state_of(error) or read_state_afresh()
    if in_migration:
        where = state.after_step(frame)
        title = f" ({frame.message})" if frame.message else ""
        who = f"migration {frame.revision}{title}"
        longer = f", or give {frame.revision} a longer `ddl_lock_timeout` in its file"
    elif stamping:  # a stamp runs no migration: it recorded nothing, or all it records
        where = stamp_state(state)
        who, longer = "the stamp", ", or raise DDL_LOCK_TIMEOUT"
    else:
        where = state.after_run(started=bool(HeldSignal.started))
        who, longer = "the migration run", ", or raise DDL_LOCK_TIMEOUT"
    timeouts = timeouts_shown(
        base, connection.dialect.name, frame.module_globals if in_migration else None
    )
    return LockWaitGaveUp(
        f"{who} gave up waiting for a lock after {len(ATTEMPT_SCALES)} attempts ({timeouts},"
        f" {elapsed:.0f} s in all): {blocker_text(error, connection)}; {where}; end that"
        f" session or let it finish, then run this again{longer}"
    )


def stamp_state(state: StateAfterFailure) -> str:
    """Where a stamp that gave up left the database: its version table, read after it (the
    stamp writes it in one transaction, rolled back), or that it could not be read."""
    if state.heads is None:
        return state.after_run()  # the unknown state's own words
    return f"the stamp recorded nothing: the database is still at {state.at} (its version table)"
