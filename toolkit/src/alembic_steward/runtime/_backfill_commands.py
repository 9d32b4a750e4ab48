"""The backfill commands, shared by `inv db.backfill` and `python -m app.migrations backfill`:
each prints its lines and returns an exit code, never a traceback for a user's mistake."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from alembic_steward.runtime._backfill_naming import (
    backfill_advised,
    backfill_lock_name,
    tenants_instead,
    upgrade_advised,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from alembic_steward.runtime._backfill_declarations import Declared
    from alembic_steward.runtime._backfill_records import BackfillRecord
    from alembic_steward.runtime._backfill_summaries import BackfillSummary

STOP_CODES = {signal.SIGTERM: 143, signal.SIGINT: 130}
# A progress line at most this often (seconds), and after the last batch.
REPORT_EVERY = 2.0


class BackfillCommandError(Exception):
    """A user's mistake (unknown name, revision not applied); the text is the `error:` line."""


def backfill_command(
    action: str,
    name: str,
    *,
    pause: float | None = None,
    as_json: bool = False,
    accept_changed: bool = False,
) -> int:
    """Run ``action`` (run, pause, resume, status) on backfill ``name``; return the exit code.
    ``as_json`` (status): each backfill's fields as a JSON list, an error as ``{"error"}``;
    ``accept_changed`` (run, resume): go on under a declaration changed since its batches."""
    from alembic_steward.runtime._backfill_runs import (
        HELD_EXIT_CODE,
        BackfillHeld,
        BackfillRefused,
        NothingPending,
    )

    try:
        if action == "status":
            return show_status(name, as_json=as_json)
        declared = declared_and_applied(name, action)
        if action == "pause":
            print(pause_backfill(declared)[1])
            return 0
        resume = action == "resume"
        return run(declared, resume=resume, pause=pause, accept_changed=accept_changed)
    except NothingPending as done:
        print(done)  # a redeploy's rerun succeeds: the work is done
        return 0
    except (BackfillCommandError, BackfillRefused) as error:
        from alembic_steward.runtime._backfill_tenants import print_error

        print_error(str(error), as_json)
        return HELD_EXIT_CODE if isinstance(error, BackfillHeld) else 1


def load() -> tuple[object, dict[str, Declared]]:
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._backfill_declarations import (
        BackfillDeclarationError,
        declared_backfills,
    )
    from alembic_steward.runtime._config import build_alembic_config

    script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    try:
        return script, declared_backfills(script)
    except BackfillDeclarationError as error:
        raise BackfillCommandError(str(error)) from None


def backfill_engine() -> Engine:
    """The engine a backfill command works on: the bound tenant's schema or database (its
    records, cursor and lock are its own), else the app's database."""
    from sqlalchemy.engine import make_url

    from alembic_steward._wiring import get_blocking_engine, get_settings
    from alembic_steward.runtime._tenancy import bound_tenant, tenant_url
    from alembic_steward.runtime._tenant_connections import tenants_engine

    tenant = bound_tenant()
    if tenant is None:
        return get_blocking_engine()
    url = tenant_url(make_url(get_settings().blocking_database_url), tenant)
    # Plain transactions: a batch must not wait behind a migration's SQLite write lock more
    # than the app's own writes would.
    return tenants_engine(url, tenant.tenancy, reading=True)


def declared_and_applied(name: str, action: str = "run") -> Declared:
    """The declaration of ``name``, once its revision is applied. Raises BackfillCommandError
    (``action``: the command's, for the one its line names in a service with tenants)."""
    from alembic_steward.runtime._backfill_declarations import applied_revisions

    script, declared = load()
    if name not in declared:
        known = ", ".join(sorted(declared)) or "none"
        raise BackfillCommandError(
            f"no revision declares a backfill named {name!r} (declared: {known})"
        )
    with backfill_engine().connect() as connection:
        applied = applied_revisions(script, connection)
    revision = declared[name].revision
    if revision not in applied:
        tenants = tenants_instead(f"{action} {name}")
        here = "; for this database itself, run" if tenants else "; run"
        raise BackfillCommandError(
            f"backfill {name} belongs to revision {revision}, which this database has not"
            f" applied{tenants}{here} {upgrade_advised(revision)} first"
        )
    return declared[name]


@contextmanager
def stop_on_signals() -> Iterator[list[int]]:
    """Turn SIGTERM and SIGINT into a request to stop after the current batch; yield the list
    the first signal's number is appended to. A second SIGINT interrupts at once."""
    received: list[int] = []

    def request_stop(number: int, _frame: object) -> None:
        if received and number == signal.SIGINT:
            raise KeyboardInterrupt
        received.append(number)
        print(
            f"backfill: {signal.Signals(number).name} received; stopping after the current batch",
            file=sys.stderr,
        )

    previous = {number: signal.signal(number, request_stop) for number in STOP_CODES}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run(declared: Declared, *, resume: bool, pause: float | None, accept_changed: bool) -> int:
    with stop_on_signals() as received:
        ended, line = run_until_ended(
            declared, resume=resume, pause=pause, received=received, accept_changed=accept_changed
        )
    if ended == "stopped":
        print(line, file=sys.stderr)
        return STOP_CODES[received[0]]
    print(line)
    return 0


def run_until_ended(
    declared: Declared,
    *,
    resume: bool,
    pause: float | None,
    received: list[int],
    accept_changed: bool = False,
) -> tuple[str, str]:
    """Run ``declared`` until it finishes, is paused, or a signal is ``received``; return how
    it ended (finished, paused, stopped) and the line saying so, read from the database
    (paused too when it was paused before this run: nothing ran).

    Raises BackfillRefused and NothingPending as :func:`run_backfill` does."""
    import time

    from alembic_steward.runtime._backfill_records import rows_in_batches
    from alembic_steward.runtime._backfill_runs import Progress, StillPaused, run_backfill
    from alembic_steward.runtime._tenancy import bound_tenant

    last_report = [0.0]
    tenant = bound_tenant()
    # Several tenants' progress lines follow each other in one log: each says whose it is.
    where = "" if tenant is None else f"tenant {tenant.name}: "

    def report(progress: Progress) -> None:
        if time.monotonic() - last_report[0] >= REPORT_EVERY:
            last_report[0] = time.monotonic()
            print(where + progress.line(), file=sys.stderr)

    try:
        outcome = run_backfill(
            backfill_engine(),
            declared,
            resume=resume,
            report=report,
            stop_requested=lambda: bool(received),
            pause_seconds=pause,
            accept_changed=accept_changed,
        )
    except StillPaused as paused:  # paused on purpose: a state to report, not a failure
        return "paused", str(paused)
    progress, name = outcome.progress, declared.backfill.name
    if outcome.ended == "finished":
        return "finished", f"{progress.line()}; finished."
    record = read_one(name)
    done = rows_in_batches(record.rows_done, record.batches) if record else "?"
    if outcome.ended == "paused":
        return "paused", (
            f"backfill {name} paused after {done} (read from the database);"
            f" {backfill_advised(f'resume {name}')} continues it"
        )
    return "stopped", (
        f"backfill {name} stopped after {done}, its cursor saved with its last batch (read"
        f" from the database); {backfill_advised(f'run {name}')} resumes it"
    )


def runner_active(connection: Connection, name: str) -> bool:
    """Whether a runner holds backfill ``name``'s lock now (tried without waiting)."""
    from alembic_steward.runtime._named_locks import named_lock_holder

    return named_lock_holder(connection.engine, backfill_lock_name(name)) is not None


def read_one(name: str) -> BackfillRecord | None:
    from alembic_steward.runtime._backfill_records import has_table, read_record

    with backfill_engine().connect() as connection:
        return read_record(connection, name) if has_table(connection) else None


def pause_backfill(declared: Declared) -> tuple[str, str]:
    """Pause ``declared`` (a runner stops after its current batch); return the outcome in a
    word (paused, finished: nothing to pause) and the line saying so."""
    from alembic_steward.runtime._backfill_changes import continues_it
    from alembic_steward.runtime._backfill_records import (
        FINISHED,
        PAUSED,
        ensure_table,
        read_record,
        restart,
        set_state,
        start_record,
    )
    from alembic_steward.runtime._backfill_sql import pending_rows

    name = declared.backfill.name
    with backfill_engine().begin() as connection:
        ensure_table(connection)
        record = read_record(connection, name, for_update=True)
        if record is None:
            # Paused before it started: `run` refuses it until `resume`.
            start_record(connection, name, declared.revision)
        elif record.state == FINISHED:
            if not pending_rows(connection, declared.backfill, 1):
                done = f"backfill {name} has finished and no row is pending; nothing to pause"
                return "finished", done
            # Rows written since it finished are pending: a run would walk the keys again
            # from the first, so the paused one does so once resumed.
            restart(connection, declared.backfill, record)
        set_state(connection, name, PAUSED)
        continuing = continues_it(connection, declared, read_record(connection, name))
    return "paused", (
        f"backfill {name} is paused: a running runner stops after its current batch; {continuing}"
    )


# `status all`: every declared backfill.
ALL = "all"


def show_status(name: str, *, as_json: bool = False) -> int:
    """Print one line per declared backfill (or only ``name``), or with ``as_json`` the list of
    their fields (runtime/_backfill_summaries.py), as `inv db.status --json` gives them; 0."""
    import json

    from alembic_steward.runtime._backfill_summaries import NOT_APPLIED

    summaries = status_summaries(None if name == ALL else name)
    if as_json:
        print(json.dumps([summary.as_dict() for summary in summaries], indent=2, default=str))
    for summary in [] if as_json else summaries:
        print(summary.text)
    if not as_json and any(summary.state == NOT_APPLIED for summary in summaries):
        # Not applied here is the rule in a service with tenants: say where they are.
        hint = tenants_instead(f"status {name}").removeprefix("; ")
        if hint:
            print(hint[0].upper() + hint[1:])
    return 0


def status_lines(only: str | None = None, *, unfinished_only: bool = False) -> list[str]:
    """`backfill NAME (revision R): STATE ...`, read from the database, for each declared one.

    Raises BackfillCommandError for an unknown ``only``.
    """
    return [summary.text for summary in status_summaries(only, unfinished_only=unfinished_only)]


def status_summaries(
    only: str | None = None, *, unfinished_only: bool = False
) -> list[BackfillSummary]:
    """Each declared backfill's (or only ``only``'s) state, read from the database.

    Raises BackfillCommandError for an unknown ``only``.
    """
    from alembic_steward.runtime._backfill_summaries import backfill_summaries
    from alembic_steward.runtime._offline_runs import missing_sqlite_file, missing_sqlite_words
    from alembic_steward.runtime._tenancy import bound_tenant

    script, declared = load()
    if only is not None and only not in declared:
        known = ", ".join(sorted(declared)) or "none"
        raise BackfillCommandError(
            f"no revision declares a backfill named {only!r} (declared: {known})"
        )
    chosen = [declared[only]] if only else list(declared.values())
    # A tenant's file was looked for before it was bound (runtime/_backfill_tenants.py).
    missing = missing_sqlite_file() if bound_tenant() is None else None
    if missing is not None:  # connecting would create it
        raise BackfillCommandError(
            f"{missing_sqlite_words(missing)}, so no backfill has run there; nothing was"
            f" created{tenants_instead(f'status {only or ALL}')}"
        )
    with backfill_engine().connect() as connection:
        return backfill_summaries(script, connection, chosen, unfinished_only=unfinished_only)


def backfill_states(
    script: object, connection: Connection, chosen: list[Declared], *, unfinished_only: bool
) -> list[tuple[str, str]]:
    """For each of ``chosen`` (but the finished ones with ``unfinished_only``): its state in a
    word or two and its line (runtime/_backfill_summaries.py has its fields too)."""
    from alembic_steward.runtime._backfill_summaries import backfill_summaries

    summaries = backfill_summaries(script, connection, chosen, unfinished_only=unfinished_only)
    return [(summary.state, summary.text) for summary in summaries]


def pending_again(name: str, record: BackfillRecord, pending: str) -> str:
    from alembic_steward.runtime._backfill_records import rows_in_batches

    pending_words = "1 row is" if pending == "1" else f"{pending} rows are"
    return (
        f"finished earlier ({rows_in_batches(record.rows_done, record.batches)}, last at"
        f" {record.updated_at:%Y-%m-%d %H:%M:%S} UTC), but {pending_words} pending again"
        f" (written since by code that does not set them); {backfill_advised(f'run {name}')}"
        " updates them"
    )


def recorded_state(
    connection: Connection, head: str, declared: Declared, record: BackfillRecord
) -> tuple[str, str]:
    """The state word and line of a backfill as its record says (a running one whose runner
    is gone is stopped; a failed one says why, and that its declaration needs fixing)."""
    from alembic_steward.runtime._backfill_failures import fix_advice
    from alembic_steward.runtime._backfill_records import FAILED, RUNNING, rows_in_batches

    name = declared.backfill.name
    state = word = record.state
    if state == RUNNING and not runner_active(connection, name):
        word = "stopped"
        state = f"stopped (no runner; {backfill_advised(f'run {name}')} resumes it)"
    elif state == FAILED:
        state = f"failed: {record.error}"
    line = (
        head + f"{state}, {rows_in_batches(record.rows_done, record.batches)},"
        f" last at {record.updated_at:%Y-%m-%d %H:%M:%S} UTC"
    )
    if word == FAILED:
        line += f"; {fix_advice(declared)}"
    return word, line
