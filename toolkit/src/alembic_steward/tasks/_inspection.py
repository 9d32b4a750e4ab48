"""Tasks that look without changing anything: current, heads, history, show, check, plan, url."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

from invoke import Context, Exit, task

from alembic_steward.tasks._local_database import read_as_empty_if_missing
from alembic_steward.tasks._task_options import LongOnlyOptions
from alembic_steward.tasks._tenants import (
    FAN_OUT_HELP,
    FAN_OUT_NICKNAMES,
    FAN_OUT_OPTIONS,
    fans_out,
    run_fan_out,
)
from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

VERBOSE_HELP = "Show each revision in full: path, parents, date and message"


@task(
    help={
        "verbose": VERBOSE_HELP,
        "check": "Exit with code 1 when the database is not at head, 9 when its bookkeeping says"
        " an upgrade would refuse (a stamp that found differences, revisions recorded as applied"
        " above it) or it is at head by a stamp over a schema that differs (for scripts and CI)",
    }
)
@exit_on_user_error(reads_only=True)
def current(c: Context, verbose: bool = False, check: bool = False) -> None:
    """Show the database's current revision(s)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._database_state import (
        blocking_problem,
        read_database_state,
        unknown_revision_message,
    )
    from alembic_steward.runtime._already_applied import upgrade_refusal
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._stamp_differences import StampedAhead, stamp_differences_line

    script = ScriptDirectory.from_config(build_alembic_config())
    with read_as_empty_if_missing(), get_blocking_engine().connect() as connection:
        state = read_database_state(script, connection)
        stamped_ahead = (check and state.at_head) and stamp_differences_line(
            connection, tuple(state.current), "the database is recorded at head"
        )
        # Not at head after a stamp moved it back: `db.upgrade` would refuse, so not advised.
        refused = (
            check
            and not state.at_head
            and not state.unknown
            and upgrade_refusal(connection, script, tuple(state.current))
        )
        if check and not stamped_ahead and state.at_head and not state.unknown:
            stamped_ahead = moved_ahead_line(connection, script, tuple(state.current))
    if state.unknown:
        raise CommandError(unknown_revision_message(state.unknown))
    for revision in state.current:
        print(script.get_revision(revision).cmd_format(verbose))
    if not state.current:
        print("None: the database has no migration applied.")
    problem = blocking_problem(state, script)
    if not check:
        if state.half_applied_after is not None and problem is not None:
            # A view exits 0, but the revision alone hides a run that stopped half-way.
            print(f"note: {problem}", file=sys.stderr)
        return
    if problem is not None:
        raise CommandError(problem)
    if refused:
        raise StampedAhead(f"the database is not at head, and {refused}")
    if not state.at_head:
        raise Exit("error: the database is not at head; run `inv db.upgrade`", code=1)
    if stamped_ahead:
        raise StampedAhead(stamped_ahead)


def moved_ahead_line(
    connection: Connection, script: ScriptDirectory, current: tuple[str, ...]
) -> str | None:
    """At head by the version table, whose head never ran here (runtime/_unran_heads.py)."""
    from alembic_steward.runtime._unran_heads import unran_heads, unran_heads_line

    unran = unran_heads(connection, script, current)
    opening = "the database is recorded at head"
    return unran_heads_line(current, unran, opening, said_by="advice") if unran else None


@task(help={"verbose": VERBOSE_HELP})
@exit_on_user_error(reads_only=True)
def heads(c: Context, verbose: bool = False) -> None:
    """Show the head revision(s) of the history."""
    from alembic import command

    from alembic_steward.runtime._config import build_alembic_config

    command.heads(build_alembic_config(), verbose=verbose)


@task(
    klass=LongOnlyOptions,
    # -r is --revision in every task; --rev-range, Alembic's name, is the same option.
    nicknames={"revision": ("rev-range",)},
    help={
        "revision": "Range to show, e.g. base:head, -3:, 4f8376af1811:current (default: all;"
        " --rev-range is the same)",
        "verbose": VERBOSE_HELP,
    },
)
@exit_on_user_error(reads_only=True)
def history(c: Context, revision: str | None = None, verbose: bool = False) -> None:
    """List the revisions, newest first."""
    from alembic import command

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_ids import check_revision_argument

    if revision is not None:
        check_revision_argument(revision, ranges=True)
    command.history(build_alembic_config(), rev_range=revision, verbose=verbose)


@task(help={"revision": "Revision to show, e.g. 4f8376af1811 (default: head)"})
@exit_on_user_error(reads_only=True)
def show(c: Context, revision: str = "head") -> None:
    """Show one revision in full."""
    from alembic import command

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_ids import check_revision_argument

    check_revision_argument(revision)
    command.show(build_alembic_config(), revision)


@task(
    klass=LongOnlyOptions,
    long_only=(*FAN_OUT_OPTIONS, "json"),
    nicknames=FAN_OUT_NICKNAMES,
    help={**FAN_OUT_HELP, "json": "With --all-tenants or --tenants: the report as JSON"},
)
@exit_on_user_error(reads_only=True)
def check(
    c: Context,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenancy: str | None = None,
    parallel: str | None = None,
    canary: str | None = None,
    shard: str | None = None,
    json: bool = False,
) -> None:
    """List the differences, exiting with db.status's code, when the models need a revision."""
    from alembic_steward.runtime._option_values import canary_count

    count = canary_count(canary)  # text: invoke would turn `--canary abc` into a ValueError
    alone = {"tenancy": tenancy, "parallel": parallel, "canary": canary, "shard": shard}
    if fans_out(all_tenants, tenants, **alone, json=json):
        # Per tenant at head: the models against its schema or database (76: some differ).
        run_fan_out(
            "check",
            "head",
            tenants=tenants,
            tenancy=tenancy,
            parallel=parallel,
            canary=count,
            shard=shard,
            as_json=json,
        )
        return
    from alembic_steward.runtime._tenants_left_out import noting_tenants_left_out
    from alembic_steward.tasks._status_failures import status_coded_failures

    # The same exit code as `inv db.status` for the same finding, so CI can branch on either.
    with noting_tenants_left_out("db.check --all-tenants", None), status_coded_failures():
        check_one_database()


def check_one_database() -> None:
    """`inv db.check` on the database DATABASE_URL names: its verdict and status's exit code."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._catalog_drift import (
        models_described_meanwhile,
        read_drift,
    )
    from alembic_steward.inspection._database_state import blocking_problem, read_database_state
    from alembic_steward.inspection._edits import describe_edits, edits_advice
    from alembic_steward.inspection._status_report import StatusExit, blocked_exit_code
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_checksums import (
        edited_revisions,
        unverifiable_line,
        unverifiable_revisions,
    )

    script = ScriptDirectory.from_config(build_alembic_config())
    # An unreachable server or a refused URL option ends as `inv db.status` ends (code 5, 1):
    # the caller's status_coded_failures.
    with read_as_empty_if_missing(), get_blocking_engine().connect() as connection:
        # A blocked state (unknown revision, half-applied run, several heads) fails here in one
        # line, so the advice below to upgrade is given only when an upgrade can work.
        state = read_database_state(script, connection)
        blocked = blocked_exit_code(state)
        if blocked is not None:
            raise Exit(f"error: {blocking_problem(state, script)}", code=blocked)
        if not state.at_head:
            refuse_behind_head(script, connection)
        # Built (when not kept) while the revisions are read: that mostly waits for the server.
        with models_described_meanwhile(connection) as models:
            edited = edited_revisions(connection, script, state.current)
            edits = describe_edits(connection, script, edited, state.current)
            unverifiable = unverifiable_revisions(connection, edited)
            # Drift may be the database's fault, not the models': its revision is rebuilt to see.
            read = read_drift(connection, state.current, sides=not edited, models=models)
        from alembic_steward.inspection._stamped_unrun_steps import stamped_unrun_line

        stamped_unrun = stamped_unrun_line(connection, script)
    if stamped_unrun:  # the models may match: the rows a stamp skipped are still not made
        print(f"note: {stamped_unrun}", file=sys.stderr)
    drift, sides = read.models, read.sides
    from alembic_steward.inspection._broken_advice import broken_report

    # Status's `broken:` lines; alone, they are its exit code 16 (docs/decisions.md).
    print(*broken_report(read.broken), sep="\n", end="\n" if read.broken else "")
    if read.note:
        print(f"note: {read.note}", file=sys.stderr)
    if unverifiable:
        print(f"note: {unverifiable_line(unverifiable)}", file=sys.stderr)
    if edited:
        # The database is not what these files build: a new revision would be written against
        # the wrong schema, so this comes before the models.
        raise Exit(f"error: {edits_advice(edits)}", code=StatusExit.EDITED_REVISION)
    if sides.not_compared_with(drift.lines):
        # Never "No changes" unseen: the models were compared with the database alone.
        if drift.lines:
            print_differences("The models differ from the database:", drift.lines)
        raise Exit(f"error: {sides.not_compared_advice}", code=StatusExit.NOT_COMPARED)
    if sides.skipped:
        print(f"note: the database was {sides.skipped_line}", file=sys.stderr)
    if not drift.lines and not sides.database:
        print("No changes: the models match the migrations.")
        if read.broken:
            raise Exit(
                "error: but what the `broken:` lines above name fails when used: fix it as they"
                " say, then run `inv db.check` again",
                code=StatusExit.BROKEN,
            )
        return
    if sides.database:
        print_differences("The database differs from what its revision builds:", sides.database)
        if sides.models and sides.models.lines:
            print_differences("The models differ from the migrations too:", sides.models.lines)
        raise Exit(f"error: {sides.database_advice}", code=StatusExit.DATABASE_DIFFERS)
    print_differences("The models differ from the migrations:", drift.lines)
    # The same advice as `inv db.status`, from the same reading of the drift.
    raise Exit(f"{drift.advice[0].upper()}{drift.advice[1:]}.", code=StatusExit.DRIFT)


def refuse_behind_head(script: ScriptDirectory, connection: Connection) -> NoReturn:
    """Behind head the models cannot be compared: say `inv db.status`'s verdict, which runs no
    pending migration into what the database already holds, nor one that failed here."""
    from alembic_steward.inspection._status_report import StatusExit, read_status

    status = read_status(script, connection)
    if status.exit_code == StatusExit.DATABASE_DIFFERS:
        print_differences(
            "The database differs from what its revision builds:", status.sides.database or []
        )
        raise Exit(f"error: {status.verdict}", code=StatusExit.DATABASE_DIFFERS)
    if status.exit_code == StatusExit.EDITED_REVISION:
        # An edit that never ran here comes before the models, as at head.
        raise Exit(f"error: {status.verdict}", code=StatusExit.EDITED_REVISION)
    raise Exit(
        "error: the database is not at head, so it cannot be compared with the models;"
        f" {status.verdict}",
        code=status.exit_code or StatusExit.PENDING,
    )


def print_differences(heading: str, differences: list[str]) -> None:
    """Print ``heading`` and the ``differences`` under it; nothing when there are none (a
    version table moved by hand differs from what its revision builds by no schema line)."""
    if not differences:
        return
    print(heading)
    for difference in differences:
        print(f"  {difference}")


@task(help={"revision": "Target revision: an id, head or base (default: head)"})
@exit_on_user_error(reads_only=True)
def plan(c: Context, revision: str = "head") -> None:
    """Print the SQL that would take the database from its current revision to -r."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._offline_runs import live_sqlite_file
    from alembic_steward.runtime._revision_ids import check_revision_argument
    from alembic_steward.tasks._offline_sql import plan_on_copy, plan_rendered

    check_revision_argument(revision)
    config = build_alembic_config()
    script = ScriptDirectory.from_config(config)
    live_file = live_sqlite_file()
    if live_file is None:
        plan_rendered(config, script, revision)
        return
    plan_on_copy(script, live_file, revision)


@task
@exit_on_user_error(reads_only=True)
def url(c: Context) -> None:
    """Show the database URL in effect (password hidden) and where it came from."""
    from alembic_steward._wiring import get_settings
    from alembic_steward.urls import DatabaseUrlError, check_database_url, hide_password

    database = get_settings().database
    try:
        check_database_url(database.value)  # an unusable URL is explained, not shown
    except DatabaseUrlError as refused:
        if not database.value:
            raise  # "not set" already says where to set it
        # The other commands' lines send users here: say where the URL is set, not `db.url`.
        raise DatabaseUrlError(f"{refused}; DATABASE_URL comes from {database.source}") from None
    print(f"{hide_password(database.value)}  (from {database.source})")
