"""`wait`: a replica waits, bounded, until the migration job has brought the database to its head.

Polls with the start-up guard's own judgement (runtime/_up_to_date.py): done when the guard
would let this code start (at head, or ahead by expand revisions only); waiting on while the
database is behind, missing or unreachable, or a migration run holds the lock; stopping at once
when no migration job of this release can change the answer (ahead by a contract revision,
several heads, a MySQL/MariaDB run that stopped half-way) or the URL cannot work (an option the
driver refuses).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from alembic_steward.runtime._schema_fit import (
    AHEAD_BY_EXPAND,
    BEHIND_BY_CONTRACT,
    ELSE,
    SchemaFit,
)

POLL_EVERY_SECONDS = 1.0
PROGRESS_EVERY_SECONDS = 10.0
READY = 0
NOT_READY = 1  # timed out, or the database cannot reach this code's head by waiting


def wait_for_head(
    timeout: float,
    database_url: str | None = None,
    *,
    progress: Callable[[str], None] = print,
) -> tuple[int, str]:
    """Poll the database until this code can run against it, for at most ``timeout`` seconds;
    return (exit code, the line to print). ``progress`` gets a line every 10 s of waiting."""
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.runtime._connecting import refused_option_line
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._unfinished_runs import unfinished_run
    from alembic_steward.runtime._up_to_date import judge_database, problem_line

    started = time.monotonic()
    next_progress = started + PROGRESS_EVERY_SECONDS
    while True:
        try:
            fit, current, history = judge_database(database_url)
        except SQLAlchemyError as error:
            refused_option = refused_option_line(error)
            if refused_option is not None:  # the URL is wrong: no wait can fix it
                return NOT_READY, f"error: {refused_option}"
            problem = f"the database cannot be read yet ({error_reason(error)})"
        else:
            unfinished = unfinished_run(database_url, fit)
            if unfinished is not None and not unfinished.running:
                return NOT_READY, f"error: waiting cannot help: {unfinished.line}"
            problem = unfinished.line if unfinished else problem_line(fit, current, database_url)
            waited = time.monotonic() - started
            if problem is None:
                return READY, ready_line(fit, history, waited)
            # A run going on now is what is waited for, whatever the database looks like so far.
            if not unfinished and (fit.verdict != ELSE or len(history.heads) > 1):
                return NOT_READY, f"error: waiting cannot help: {problem}"
        waited = time.monotonic() - started
        if waited >= timeout:
            return NOT_READY, (
                f"error: gave up after {timeout:g} s waiting for the migrations to reach this"
                f" code's head: {problem}"
            )
        if time.monotonic() >= next_progress:
            progress(f"Still waiting for the migrations ({waited:.0f} s): {problem}")
            next_progress += PROGRESS_EVERY_SECONDS
        time.sleep(min(POLL_EVERY_SECONDS, max(timeout - waited, 0)))


def ready_line(fit: SchemaFit, history: object, waited: float) -> str:
    """Say truly how the database stands once this code can run against it."""
    head = ", ".join(sorted(history.heads)) or "base"
    if fit.verdict == BEHIND_BY_CONTRACT:
        return (
            f"The database has what this code needs ({waited:.1f} s): only contract revision(s)"
            f" {', '.join(fit.revisions)} are pending, which run after the rollout"
            " (`upgrade --phase contract`)."
        )
    if fit.verdict == AHEAD_BY_EXPAND:
        return (
            f"The database is past this code's head {head} by expand revision(s)"
            f" {', '.join(fit.revisions)} only, which leave this code working ({waited:.1f} s)."
        )
    return f"The database has reached this code's head {head} ({waited:.1f} s)."
