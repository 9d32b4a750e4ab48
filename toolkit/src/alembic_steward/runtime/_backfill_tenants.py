"""`db.backfill ACTION NAME --all-tenants|--tenants A,B`: a backfill in each tenant, one report.

Each tenant's backfill works in the tenant's own schema or database: its records and cursor
(the ``alembic_backfills`` table) are the tenant's, and its lock is keyed by the tenant
(runtime/_backfill_naming.py), so runners on two tenants never block each other and a second
runner on one tenant is refused, naming the holder. The tenants run one after another in this
process: a backfill is throttled by its own batch size and pause, and one at a time keeps the
load on a shared server what one backfill's is. SIGTERM or Ctrl-C finishes the current batch,
saves its cursor, and starts no other tenant.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable

from alembic_steward.runtime._tenancy import Tenant, TenantMissing, bind_tenant, checked_tenancy
from alembic_steward.runtime._tenant_exit_codes import fill_exit_codes
from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_runs import TenantOutcome, refused_sign_in, shown

NOT_STARTED = "the run was stopped before this tenant started"
# What a tenant whose server cannot be reached was left without, as its row's line ends.
UNREACHED = {
    "status": "its backfills were not read",
    "pause": "nothing was paused",
    "run": "no batch ran",
    "resume": "no batch ran",
}
# The report's verb for each action, as summary_line words its closing advice.
SUMMARY_ACTIONS = {"run": "backfill", "resume": "backfill", "pause": "pause", "status": "status"}


def backfill_tenants_command(
    action: str,
    name: str,
    *,
    tenants: str | None,
    tenancy: str | None,
    pause: float | None = None,
    as_json: bool = False,
    accept_changed: bool = False,
) -> int:
    """Run ``action`` on backfill ``name`` in each tenant chosen; print the report; return the
    exit code: 0, 76 when a tenant failed, 75 when the only tenants not done are held by
    another runner, 130/143 when a signal stopped the run, 1 (one line) for options or names
    it cannot use, before any tenant is touched."""
    from alembic_steward.runtime._backfill_commands import BackfillCommandError
    from alembic_steward.runtime._tenancy import TenantError

    try:
        return fan_out_backfill(
            action,
            name,
            tenants=tenants,
            tenancy=tenancy,
            pause=pause,
            as_json=as_json,
            accept_changed=accept_changed,
        )
    except (BackfillCommandError, TenantError) as error:
        print_error(str(error), as_json)
        return 1


def print_error(error: str, as_json: bool) -> None:
    """Print ``error`` as the `error:` line on stderr and, under --json, as the document on
    stdout too (``{"error": ...}``): a script reading stdout gets JSON on every path."""
    import json

    if as_json:
        print(json.dumps({"error": error}, indent=2))
    print(f"error: {error}", file=sys.stderr)


def fan_out_backfill(
    action: str,
    name: str,
    *,
    tenants: str | None,
    tenancy: str | None,
    pause: float | None,
    as_json: bool,
    accept_changed: bool = False,
) -> int:
    """:func:`backfill_tenants_command`'s run; raises TenantError and BackfillCommandError."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._backfill_changes import ACCEPT_OPTION
    from alembic_steward.runtime._backfill_commands import (
        STOP_CODES,
        BackfillCommandError,
        load,
        stop_on_signals,
    )
    from alembic_steward.runtime._tenant_reports import print_report, summary_line
    from alembic_steward.runtime._tenant_selection import (
        check_tenancy_fits_database,
        selected_names,
    )

    chosen = checked_tenancy(tenancy or active_steward().tenancy)
    names = selected_names(tenants, None, chosen)
    check_tenancy_fits_database(chosen)
    _script, declared = load()
    if name not in declared and not (action == "status" and name == "all"):
        known = ", ".join(sorted(declared)) or "none"
        raise BackfillCommandError(
            f"no revision declares a backfill named {name!r} (declared: {known}); no tenant"
            " was touched"
        )
    if not names:
        if as_json:
            print("[]")
        print("there are no tenants; nothing to do", file=sys.stderr if as_json else sys.stdout)
        return 0
    with stop_on_signals() as received:
        outcomes = []
        for each in names:
            if received:
                outcomes.append(TenantOutcome(each, TenantOutcomeName.NOT_RUN, detail=NOT_STARTED))
                continue
            act = acting(action, name, pause, received, accept_changed)
            reading = action == "status"
            outcomes.append(
                in_tenant(Tenant(each, chosen), act, UNREACHED[action], reading=reading)
            )
    # Each row's code is the one `db.backfill ACTION NAME` gives that tenant alone.
    fill_exit_codes(outcomes, STOP_CODES[received[0]] if received else None)
    if received:
        accepting = f" {ACCEPT_OPTION}" if accept_changed else ""
        rerun = left_command(outcomes, f"{action} {name}{accepting}", tenancy)
        code, line = STOP_CODES[received[0]], stopped_line(outcomes, received[0], rerun)
    elif action == "status":
        code, line = read_summary(outcomes)
    else:
        code, line = held_summary(outcomes) or summary_line(outcomes, SUMMARY_ACTIONS[action])
    print_report(outcomes, code, line, as_json)
    return code


# One tenant's action, with the tenant bound: its outcome in a word and the row's detail.
Act = Callable[[], tuple[str, str]]


def acting(
    action: str, name: str, pause: float | None, received: list[int], accept_changed: bool = False
) -> Act:
    """The work ``action`` does in one tenant (bound when it is called)."""
    from alembic_steward.runtime._backfill_commands import (
        declared_and_applied,
        pause_backfill,
        run_until_ended,
    )

    if action == "status":
        return lambda: status_row(name)
    if action == "pause":
        return lambda: pause_backfill(declared_and_applied(name))

    def run() -> tuple[str, str]:
        declared = declared_and_applied(name)
        if received:  # signalled while the tenant was being read: no batch of it starts
            return TenantOutcomeName.NOT_RUN, NOT_STARTED
        return run_until_ended(
            declared,
            resume=action == "resume",
            pause=pause,
            received=received,
            accept_changed=accept_changed,
        )

    return run


def status_row(name: str) -> tuple[str, str]:
    """The tenant's row of `status NAME` (or `status all`): its states, and each line."""
    from alembic_steward.runtime._backfill_commands import backfill_engine, backfill_states, load

    script, declared = load()
    chosen = list(declared.values()) if name == "all" else [declared[name]]
    with backfill_engine().connect() as connection:
        states = backfill_states(script, connection, chosen, unfinished_only=False)
    if not states:
        return TenantOutcomeName.NONE_DECLARED, ""
    words = ", ".join(dict.fromkeys(state for state, _line in states))
    return words, "; ".join(line for _state, line in states)


def in_tenant(tenant: Tenant, act: Act, unreached: str, *, reading: bool = False) -> TenantOutcome:
    """Run ``act`` with ``tenant`` bound; never raises: a failure is the tenant's row, in the
    one line the command prints for a single database (``unreached``: what a server that
    cannot be reached leaves undone). ``reading`` (status): the row's ``exit_code`` is the one
    `db.backfill status` gives the tenant alone, 0 once read, whatever state it reports."""
    from alembic_steward.runtime._backfill_commands import BackfillCommandError
    from alembic_steward.runtime._backfill_runs import (
        HELD_EXIT_CODE,
        BackfillHeld,
        BackfillRefused,
        NothingPending,
    )
    from alembic_steward.runtime._connecting import DatabaseUnreachable
    from alembic_steward.runtime._deploy import failure_line
    from alembic_steward.runtime._tenant_connections import (
        read_revisions,
        tenant_connection,
        tenant_revisions,
    )

    started = time.monotonic()
    revisions: tuple[str, ...] | None = None
    read = False
    unread_code = 1
    bind_tenant(tenant)
    try:
        # Refuses a tenant with no schema, database or file before anything is made there.
        with tenant_connection(tenant, reading=True, outcome=unreached) as connection:
            revisions = read_revisions(connection, tenant)
        outcome, detail = act()
        read = True
    except NothingPending as done:  # a redeploy's rerun: the work is done
        outcome, detail = TenantOutcomeName.FINISHED, str(done)
    except BackfillHeld as held:  # not a failure: another runner is doing the work
        outcome, detail = TenantOutcomeName.HELD, str(held)
    except (BackfillCommandError, BackfillRefused) as error:
        outcome, detail = TenantOutcomeName.FAILED, str(error)
    except Exception as error:  # noqa: BLE001 - one tenant's failure is a row of the report
        outcome, detail = TenantOutcomeName.FAILED, failure_line(error)
        if reading and isinstance(error, TenantMissing):
            # A state, not a failed read: `db.status --all-tenants` says it so (15).
            from alembic_steward.runtime._tenant_status import unread_outcome

            outcome, unread_code = unread_outcome(error)
        elif isinstance(error, DatabaseUnreachable):
            outcome = (
                TenantOutcomeName.REFUSED
                if refused_sign_in(error)
                else TenantOutcomeName.UNREACHABLE
            )
    finally:
        bind_tenant(None)
    if outcome == TenantOutcomeName.FAILED and revisions is not None:
        # Found when it began, so a failure may be the tenant dropped under the run: the
        # driver's "table doesn't exist" alone named neither that nor the way back.
        detail = gone_meanwhile(tenant) or detail
    at = after = shown(revisions)
    if outcome == TenantOutcomeName.FAILED:
        # Read again: a downgrade may have moved the tenant while its backfill ran.
        with contextlib.suppress(Exception):
            after = shown(tenant_revisions(tenant))
    seconds = round(time.monotonic() - started, 3)
    row = TenantOutcome(tenant.name, outcome, at, after, seconds, detail)
    if reading:
        row.exit_code = 0 if read else unread_code
    elif outcome == TenantOutcomeName.HELD:
        row.exit_code = HELD_EXIT_CODE  # as for one database: wait, nothing to fix
    return row


def gone_meanwhile(tenant: Tenant) -> str:
    """The row's line when ``tenant``'s schema or database no longer exists (one catalog
    read, asked only of a failed tenant that existed when its run began), else ""."""
    from alembic_steward.runtime._tenant_connections import create_command, tenant_exists

    try:
        if tenant_exists(tenant):
            return ""
    except Exception:  # noqa: BLE001 - unread: the failure's own line stands
        return ""
    home = "schema" if tenant.schema else "database"
    # The failure's own line is left out: read in a tenant gone, it may advise an upgrade.
    return (
        f"the tenant {tenant.name}'s {home} was dropped while the backfill ran, which ended"
        f" it there; if the tenant should exist, create it again with {create_command(tenant)}"
    )


def held_summary(outcomes: list[TenantOutcome]) -> tuple[int, str] | None:
    """When the only tenants not done are those another runner holds: exit 75 and a line that
    says to wait for (or stop) those runners, as for one database; None otherwise."""
    from alembic_steward.runtime._backfill_runs import HELD_EXIT_CODE
    from alembic_steward.runtime._tenant_reports import first_named, outcome_tally, tenants

    undone = [o for o in outcomes if o.failed]
    if not undone or any(o.outcome != TenantOutcomeName.HELD for o in undone):
        return None
    return HELD_EXIT_CODE, (
        f"error: {len(undone)} of {tenants(len(outcomes))} held by another runner"
        f" ({first_named([o.tenant for o in undone])}); {outcome_tally(outcomes)}; nothing was"
        " run there and nothing needs fixing: wait for those runners to finish (each row names"
        " its runner and how to stop it), then run the backfill again: each tenant resumes"
        " after its last committed batch, and a finished one has nothing to do"
    )


def read_summary(outcomes: list[TenantOutcome]) -> tuple[int, str]:
    """`db.backfill status`'s code and closing line over tenants: 0 once every tenant was read,
    whatever its backfills' states (stopped, paused, failed are states, not failures of the
    read), as for one database; 76 naming the tenants that could not be read."""
    from alembic_steward.runtime._tenant_reports import (
        FAILED_TENANTS_EXIT_CODE,
        first_named,
        outcome_tally,
        summary_line,
        tenants,
    )

    unread = [o for o in outcomes if o.exit_code]
    if not unread:
        return 0, f"{tenants(len(outcomes))}: {outcome_tally(outcomes)}"
    if len(unread) == len(outcomes) and all(
        o.outcome in (TenantOutcomeName.UNREACHABLE, TenantOutcomeName.REFUSED) for o in unread
    ):
        return summary_line(outcomes, "status")  # the server's own line and code
    return FAILED_TENANTS_EXIT_CODE, (
        f"error: {len(unread)} of {tenants(len(outcomes))} could not be read"
        f" ({first_named([o.tenant for o in unread])}); {outcome_tally(outcomes)}; fix what"
        " their rows say and read the status again: each tenant is read afresh"
    )


def left_command(outcomes: list[TenantOutcome], words: str, tenancy: str | None) -> str:
    """The backquoted `db.backfill WORDS --tenants ...` that goes on with exactly the tenants a
    signal stopped or left unstarted, as the rows of a stopped fan-out name each tenant's own
    command; "" when none was left."""
    from alembic_steward.runtime._advice import advised

    left = [
        o.tenant
        for o in outcomes
        if o.outcome in (TenantOutcomeName.STOPPED, TenantOutcomeName.NOT_RUN)
    ]
    if not left:
        return ""
    options = f" --tenants {','.join(left)}" + (f" --tenancy {tenancy}" if tenancy else "")
    return advised(f"db.backfill {words}{options}", f"backfill {words}{options}")


def stopped_line(outcomes: list[TenantOutcome], number: int, rerun: str = "") -> str:
    """The closing line of a run a signal stopped: what ended, what stopped, what never began,
    and ``rerun``, the command that goes on with the tenants left (:func:`left_command`)."""
    import signal

    from alembic_steward.runtime._tenant_reports import first_named, stop_counts

    stopped, unstarted, ended = stop_counts(outcomes)
    parts = [ended]
    if stopped:
        parts.append(
            f"{len(stopped)} stopped after its current batch, its cursor saved"
            f" ({first_named(stopped)})"
        )
    parts.append(f"{unstarted} did not start")
    again = (
        f"{rerun} goes on with exactly the tenants left, each after its last committed batch"
        if rerun
        else "run it again: each tenant resumes after its last committed batch, and a"
        " finished one has nothing to do"
    )
    return (
        f"error: {signal.Signals(number).name} stopped the backfill of the tenants:"
        f" {', '.join(parts)}; {again}"
    )
