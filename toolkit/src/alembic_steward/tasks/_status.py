"""The one-screen summary of the migrations: `inv db.status`, with exit codes CI can branch on."""

from __future__ import annotations

import sys
from collections.abc import Callable
from json import dumps
from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from alembic_steward.runtime._traceback_switch import tracebacks_wanted
from alembic_steward.tasks._json_errors import document_printed
from alembic_steward.tasks._task_options import LongOnlyOptions
from alembic_steward.tasks._tenants import (
    FAN_OUT_HELP,
    FAN_OUT_NICKNAMES,
    FAN_OUT_OPTIONS,
    fans_out,
    run_fan_out,
)
from alembic_steward.tasks._user_errors import error_line, exit_on_user_error

if TYPE_CHECKING:
    from alembic_steward.inspection._drift_sides import DriftSides
    from alembic_steward.inspection._status_report import MigrationStatus


@task(
    klass=LongOnlyOptions,
    # No --canary: a status only reads, so there is no failure for a few tenants to stop.
    long_only=tuple(option for option in FAN_OUT_OPTIONS if option != "canary"),
    nicknames=FAN_OUT_NICKNAMES,
    help={
        "json": "Print a JSON object (current, heads, revisions, drift) instead of a table",
        **{name: text for name, text in FAN_OUT_HELP.items() if name != "canary"},
    },
)
@exit_on_user_error(reads_only=True)
def status(
    c: Context,
    json: bool = False,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenancy: str | None = None,
    parallel: str | None = None,
    shard: str | None = None,
) -> None:
    """Show every revision as applied or pending, the heads, and model drift, in one screen.

    Exit codes: 0 up to date, 1 an error its `error:` line names, or at head the models not
    compared with what the migrations build (the status line says why), 2 pending, 3 models need a
    revision, 4 several heads, 5 unreachable, 6 at a revision this checkout lacks, 7 a
    MySQL/MariaDB run stopped half-way, 8 an applied revision edited, 9 the database differs
    from what its revision builds, 10 the server refused the user or database, 11 no migration
    can run there, 12 an applied revision re-pointed, 13 a migration is running now (wait,
    then check again), 14 the models hold what this database cannot build; over tenants, a
    row's 15: the tenant has no schema or database yet.
    """
    # --json is status's own too: only the fan-out's options are refused without a fan-out.
    alone = {"tenancy": tenancy, "parallel": parallel, "shard": shard}
    if fans_out(all_tenants, tenants, **alone):
        # Per tenant: at head or not (76), read from each tenant's version table.
        run_fan_out(
            "status",
            "head",
            tenants=tenants,
            tenancy=tenancy,
            parallel=parallel,
            canary=0,
            shard=shard,
            as_json=json,
        )
        return

    from alembic_steward.runtime._tenants_left_out import noting_tenants_left_out

    with noting_tenants_left_out("db.status --all-tenants", "status --all-tenants"):
        status_of_one_database(json)


def status_of_one_database(json: bool) -> None:
    """`inv db.status` on the database DATABASE_URL names, as a table or a JSON document."""
    # Here, not at module level: `inv --list` must not pay for importing Alembic.
    from alembic_steward.runtime._interruptions import Terminated, exit_code_and_line
    from alembic_steward.runtime._revision_ids import refusing_duplicate_revision_ids

    if not json:
        report_status(print_table)
        return
    try:
        # Inside the JSON guard: the wiring's own refusal would end the task without a document.
        with refusing_duplicate_revision_ids():
            report_status(print_json)
    except Exit as stop:
        if stop.message:  # states print their document; a failure has only its line
            print_failure_json(stop.code, stop.message)
        raise document_printed(stop) from None
    except (Exception, KeyboardInterrupt, Terminated) as error:
        if tracebacks_wanted():
            raise
        if isinstance(error, Exception):
            code, line = 1, error_line(error)
        else:
            code, line = exit_code_and_line(error, reads_only=True)
        print_failure_json(code, line)
        raise document_printed(Exit(line, code=code)) from None


def report_status(print_state: Callable[[MigrationStatus], None]) -> None:
    """Read the status, print it with ``print_state`` and exit with its code."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._status_report import read_status
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.tasks._local_database import read_as_empty_if_missing
    from alembic_steward.tasks._status_failures import status_coded_failures

    script = ScriptDirectory.from_config(build_alembic_config())
    with status_coded_failures(), read_as_empty_if_missing(quiet=print_state is print_json):
        with get_blocking_engine().connect() as connection:
            state = read_status(script, connection)
        with get_blocking_engine().connect() as connection:
            state = with_backfills(state, script, connection)
    print_state(state)
    if print_state is print_table:  # the pending revisions' column drops: lint's warning too
        from alembic_steward.inspection._revision_column_drops import column_drop_warnings

        pending = [revision.revision for revision in state.revisions if not revision.applied]
        for warning in column_drop_warnings(script, pending) if pending else []:
            print(warning, file=sys.stderr)
    if state.exit_code:
        raise Exit(code=state.exit_code)


def with_backfills(state: MigrationStatus, script: object, connection: object) -> MigrationStatus:
    """``state`` with the unfinished backfills listed, when the database could be read."""
    from dataclasses import replace

    from alembic_steward.runtime._backfill_summaries import unfinished_backfill_summaries

    if state.unknown or state.problem:
        return state  # where the history is not the database's, nothing is listed reliably
    return replace(state, backfills=unfinished_backfill_summaries(script, connection))


def print_json(state: MigrationStatus) -> None:
    print(dumps(state.as_json(), indent=2))


def print_failure_json(code: int, line: str) -> None:
    """Print the document of a status that could not be read: its code and its problem."""
    from alembic_steward.inspection._status_report import unread_status_json

    problem = " ".join(part.removeprefix("error: ") for part in line.splitlines())
    print(dumps(unread_status_json(code, problem), indent=2))


def print_table(state: MigrationStatus) -> None:
    """Print the revisions newest first, then current, heads, drift and the verdict."""
    never_ran = state.never_ran
    for revision in state.revisions:
        applied = "applied" if revision.applied else "pending"
        mark = "not run" if revision.revision in never_ran else applied
        head = " (head)" if revision.is_head else ""
        print(f"  [{mark}]  {revision.revision}{head}  {revision.message}")
    if not state.revisions:
        print("  (no revisions yet)")
    print(f"current: {', '.join(state.current) or 'none'}")
    print(f"heads:   {', '.join(state.heads) or 'none'}")
    if state.edited:
        from alembic_steward.inspection._edits import edited_summary

        summary = edited_summary(state.edits, {item.revision for item in state.repointed})
        print(f"edited:  {summary}: changed since applied to this database")
    if state.unverifiable:
        from alembic_steward.runtime._revision_checksums import unverifiable_line

        print(f"note:    {unverifiable_line(state.unverifiable)}")
    if state.drift is None:
        print(f"drift:   {state.drift_not_compared}")
    else:
        # The database's own difference is the next line's: "none" alone would deny it.
        none = "none in the models" if state.sides.database else "none"
        print_listed("drift:  ", state.drift.lines, none)
    if state.drift_note:
        print(f"note:    {state.drift_note}")
    print_drift_sides(state.sides, state.drift.lines if state.drift else [])
    for backfill in state.backfills:
        print(f"backfill: {backfill.text.removeprefix('backfill ')}")
    for item in state.broken:
        print(f"broken:  {item.line}")
    for line in state.lost:
        print(f"lost:    {line}")
    if state.stamped_unrun:
        print(f"note:    {state.stamped_unrun}")
    print(f"status:  {state.verdict}")


def print_drift_sides(sides: DriftSides, drift: list[str]) -> None:
    """Say which side the drift is on: the database against its revision, the models too
    (``drift``, the lines already printed, is not printed again)."""
    if sides.skipped:
        # Where the verdict is the comparison not made, no advice assumes anything of it.
        line = sides.not_compared_line if sides.not_compared_with(drift) else sides.skipped_line
        print(f"database: {line}")
    if sides.database is not None:
        print_listed("database: against its revision rebuilt:", sides.database)
    if sides.models is not None:
        lines = sides.models.lines
        if lines and lines == drift:
            print("models:  against the migrations: the drift above")
        else:
            print_listed("models:  against the migrations:", lines)


def print_listed(heading: str, lines: list[str], none: str = "same") -> None:
    """``heading`` and one difference on its line, or each below it, indented: many joined
    on one line made a line of a thousand characters no one reads. --json lists them all."""
    if len(lines) <= 1:
        print(f"{heading} {lines[0] if lines else none}")
        return
    print(f"{heading} {len(lines)} differences")
    for line in lines:
        print(f"  {line}")
