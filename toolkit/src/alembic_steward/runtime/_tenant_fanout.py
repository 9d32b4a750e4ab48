"""Fan a migration out over many tenants: a bounded pool of worker processes, canary, shard.

`inv db.upgrade --all-tenants` and `python -m app.migrations upgrade --all-tenants` both land
in :func:`fan_out_command`: its options checked (runtime/_tenant_selection.py), its tenants run
in a pool of worker processes (runtime/_tenant_workers.py), and the run ending with a report,
one row per tenant, and exit code 76 when any tenant failed (runtime/_tenant_reports.py).
"""

from __future__ import annotations

import sys

from alembic_steward.runtime._relative_targets import is_step_from_current
from alembic_steward.runtime._tenancy import TenantError, checked_tenancy
from alembic_steward.runtime._tenant_exit_codes import fill_exit_codes
from alembic_steward.runtime._tenant_pool import default_parallel
from alembic_steward.runtime._tenant_reports import (
    contract_pending_note,
    print_report,
    progress_printer,
    selection_options,
    stopped_summary,
    summary_line,
)
from alembic_steward.runtime._tenant_reruns import FanOutRun, action_rerun
from alembic_steward.runtime._tenant_selection import (
    check_target_resolves,
    check_tenancy_fits_database,
    selected_names,
)
from alembic_steward.runtime._tenant_workers import FanOut, FanOutStopped, fan_out


def fan_out_command(
    action: str,
    revision: str,
    *,
    tenants: str | None,
    tenancy: str | None,
    parallel: int | None,
    canary: int,
    shard: str | None,
    as_json: bool,
    phase: str | None = None,
    confirmed: bool = False,
) -> int:
    """Run a fan-out from command-line options; print the report; return the exit code.

    Raises TenantError (one line) for options or tenant names it cannot use, before any run;
    CommandError for an unknown ``phase``.
    """
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._phased_upgrade import check_phase

    steward = active_steward()
    chosen_tenancy = checked_tenancy(tenancy or steward.tenancy)
    if phase is not None:
        check_phase(phase)
    if parallel is not None and parallel < 1:
        raise TenantError(
            f"--parallel {parallel} is not a number of worker processes (1 or more);"
            " nothing was run"
        )
    if canary < 0:
        raise TenantError(
            f"--canary {canary} is not a number of tenants (0 or more); nothing was run"
        )
    if action in ("upgrade", "downgrade"):
        check_target_resolves(revision)
    names = selected_names(tenants, shard, chosen_tenancy)
    check_tenancy_fits_database(chosen_tenancy)
    if not names:
        owner = f"shard {shard} owns none of the tenants" if shard else "there are no tenants"
        if as_json:
            print("[]")  # the report, empty: stdout under --json is the document alone
        print(f"{owner}; nothing to do", file=sys.stderr if as_json else sys.stdout)
        return 0
    if canary and canary >= len(names):
        # Said, or a user believes a few tenants went first and the rest waited on them.
        print(
            f"note: --canary {canary} covers all {len(names)} tenants, so the canary is the"
            " whole fleet: they run as without --canary",
            file=sys.stderr,
        )
        canary = 0
    plan = FanOut(
        action,
        revision,
        chosen_tenancy,
        names,
        parallel or default_parallel(),
        canary,
        phase,
        confirmed,
    )
    signal_code = None  # 130 or 143 when a signal stopped the run
    selection = selection_options(tenants, shard, tenancy)
    run = FanOutRun(revision, phase, selection, tenancy)
    try:
        outcomes = fan_out(plan, steward.package, progress_printer(sys.stderr))
        # A relative step's "run it again" would take the tenants that moved further.
        again = ""
        if is_step_from_current(revision):
            again = action_rerun(outcomes, action, run, confirmed=confirmed)
        code, line = summary_line(outcomes, action, selection, again)
        line += contract_pending_note(outcomes, selection)
    except FanOutStopped as stopped:
        import signal

        from alembic_steward.runtime._interruptions import SIGNAL_EXIT_CODES

        outcomes = stopped.outcomes
        sigint = isinstance(stopped.signal_error, KeyboardInterrupt)
        number = signal.SIGINT if sigint else signal.SIGTERM
        code = signal_code = SIGNAL_EXIT_CODES[number]
        rerun = action_rerun(outcomes, action, run, confirmed=confirmed)
        line = stopped_summary(outcomes, action, number.name, rerun)
    fill_exit_codes(outcomes, signal_code)
    print_report(outcomes, code, line, as_json)
    return code
