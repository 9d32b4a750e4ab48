"""A fan-out's report: progress while it runs, one row per tenant, the closing line and code.

The rows and the line say the same in `inv db.upgrade --all-tenants` and `python -m
app.migrations upgrade --all-tenants`; the code is :data:`FAILED_TENANTS_EXIT_CODE` when any
tenant failed, differs from the models, or (status) is not up to date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_runs import TenantOutcome

# 0-12 are db.status's codes, 75 a lock wait given up, 130/143 signals: 76 is free.
FAILED_TENANTS_EXIT_CODE = 76

# Called with the outcomes so far and how many tenants the run has.
Progress = Callable[[Sequence[TenantOutcome], int], None]


def progress_printer(stream: TextIO) -> Progress:
    """Print `tenants: DONE/TOTAL done, F failed[, S stopped]`: rewritten in place on a
    terminal, else a line at each tenth of the run (a deploy log keeps ten lines, not
    hundreds)."""
    on_terminal = stream.isatty()
    shown_tenths: set[int] = set()

    def show(ended: Sequence[TenantOutcome], total: int) -> None:
        done = len(ended)
        line = f"tenants: {done}/{total} done, {progress_counts(ended)}"
        if on_terminal:
            stream.write(f"\r{line}" + ("\n" if done == total else ""))
        else:
            tenth = done * 10 // total
            if tenth in shown_tenths:
                return
            shown_tenths.add(tenth)
            stream.write(f"{line}\n")
        stream.flush()

    return show


def progress_counts(ended: Sequence[TenantOutcome]) -> str:
    """ "1 failed", or "0 failed, 2 stopped": a tenant a signal stopped did not fail, and one
    never started is not counted as ended."""
    stopped = sum(o.outcome == TenantOutcomeName.STOPPED for o in ended)
    failed = sum(o.failed for o in ended) - stopped
    return f"{failed} failed" + (f", {stopped} stopped" if stopped else "")


def report_table(outcomes: Sequence[TenantOutcome]) -> str:
    """The per-tenant report: tenant, outcome, revisions before and after, seconds, detail."""
    header = ("tenant", "outcome", "from", "to", "seconds", "detail")
    rows = [header] + [
        (o.tenant, o.outcome, o.before, o.after, seconds_cell(o.seconds), o.detail)
        for o in outcomes
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def seconds_cell(seconds: float | None) -> str:
    """A run's seconds as its row shows them; blank for a tenant that never started (0.00
    would say it ran, and fast)."""
    return "" if seconds is None else f"{seconds:.2f}"


def selection_options(tenants: str | None, shard: str | None, tenancy: str | None) -> str:
    """The options that chose a fan-out's tenants, as its advice repeats them: the command it
    names must act on the tenants the user named, not on every one."""
    words = " --all-tenants" if tenants is None else f" --tenants {tenants}"
    if shard is not None:
        words += f" --shard {shard}"
    if tenancy is not None:
        words += f" --tenancy {tenancy}"
    return words


def summary_line(
    outcomes: Sequence[TenantOutcome],
    action: str,
    selection: str = " --all-tenants",
    again: str = "",
) -> tuple[int, str]:
    """The exit code and the closing line of a fan-out; ``selection``: the options that chose
    its tenants (:func:`selection_options`), for the commands its advice names; ``again``:
    the rerun to advise after a failure (runtime/_tenant_reruns.py), else the action's words."""
    failed = [o.tenant for o in outcomes if o.failed]
    if failed and all(o.outcome == TenantOutcomeName.UNREACHABLE for o in outcomes):
        return unreachable_summary(outcomes, action)
    if failed and all(o.outcome == TenantOutcomeName.REFUSED for o in outcomes):
        return refused_summary(outcomes, action)
    tally = outcome_tally(outcomes)
    if failed and action in ("status", "check"):
        return unread_summary(outcomes, action, tally)
    if failed:
        # Said only where there are others, and a run of one could have touched them.
        unaffected = (
            " the others are unaffected;"
            if action not in ("status", "check") and len(failed) < len(outcomes)
            else ""
        )
        return FAILED_TENANTS_EXIT_CODE, (
            f"error: {len(failed)} of {tenants(len(outcomes))} failed or did not run"
            f" ({first_named(failed)}); {tally};{unaffected}"
            f" {failed_advice(outcomes, action, selection, again)}"
        )
    if action == "status":
        return status_summary(outcomes, tally, selection)
    if action == "check":
        return check_summary(outcomes, tally)
    return 0, f"{tenants(len(outcomes))}: {tally}"


def failed_advice(
    outcomes: Sequence[TenantOutcome], action: str, selection: str, again: str
) -> str:
    """What to do about a run's failed tenants: run it again for those not at the target, and
    undo by hand what the ``leftovers`` ones hold (a rerun leaves them as they are)."""
    from alembic_steward.runtime._tenant_leftovers_advice import leftovers_advice

    leftovers = leftovers_advice(outcomes, selection) if action == "downgrade" else ""
    rerun = (
        f"fix what the report says and"
        f" {again or AGAIN.get(action, AGAIN['upgrade']).format(action=action)}"
    )
    if not leftovers:
        return rerun
    if all(o.outcome == TenantOutcomeName.LEFTOVERS for o in outcomes if o.failed):
        return leftovers
    return f"{rerun}; {leftovers}"


# What a status or a check finds a tenant in when all is well.
WELL = {"status": TenantOutcomeName.AT_HEAD, "check": TenantOutcomeName.NO_DRIFT}


def unread_summary(outcomes: Sequence[TenantOutcome], action: str, tally: str) -> tuple[int, str]:
    """A status or check where some tenants could not be read: the line names them beside
    every tenant read in a state that is not well (a row's outcome is its state: `edited
    revision`, `missing`), not the failed reads alone."""
    amiss = [f"{o.tenant}: {o.outcome}" for o in outcomes if o.outcome != WELL[action]]
    well = "up to date" if action == "status" else "free of drift"
    return FAILED_TENANTS_EXIT_CODE, (
        f"error: {are(len(amiss), len(outcomes))} not {well} or could not be read"
        f" ({first_named(amiss)}); {tally}; fix what each row says and {AGAIN[action]}"
    )


def outcome_tally(outcomes: Sequence[TenantOutcome]) -> str:
    """How many tenants ended each way, in the order first seen: "3 upgraded, 1 failed"."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
    return ", ".join(f"{count} {name}" for name, count in counts.items())


# How each command's closing line says what running it again does.
AGAIN = {
    "upgrade": "run the {action} again: it runs only the tenants not at the target",
    "status": "read the status again: each tenant is read afresh",
    "check": "run the check again: it compares each tenant afresh",
    "backfill": (
        "run the backfill again: each tenant resumes after its last committed batch, and a"
        " finished one has nothing to do"
    ),
    "pause": "pause it again: a tenant paused already stays paused",
}


def tenants(count: int) -> str:
    """``count`` tenants, in words: "1 tenant", "3 tenants"."""
    return f"{count} tenant" if count == 1 else f"{count} tenants"


def status_summary(
    outcomes: Sequence[TenantOutcome], tally: str, selection: str = " --all-tenants"
) -> tuple[int, str]:
    """`db.status --all-tenants`'s code and line: each tenant's state is its row's, with the
    same exit code `inv db.status` gives that database alone (runtime/_tenant_status.py)."""
    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.runtime._advice import tenant_status_command

    behind = [o for o in outcomes if o.exit_code]
    if not behind:
        return 0, f"{tenants(len(outcomes))}: {tally}"
    named = first_named([f"{o.tenant}: {o.outcome}" for o in behind])
    line = f"error: {are(len(behind), len(outcomes))} not up to date ({named});"
    running = [o.tenant for o in behind if o.exit_code == StatusExit.MIGRATION_RUNNING]
    if len(running) == len(behind):
        # Nothing to repair: `inv db.status` gives one database its own code for this, 13.
        again = f"`{tenant_status_command(selection)}`"
        return StatusExit.MIGRATION_RUNNING, (
            f"{line} a migration is running on each of them now: nothing needs repair; wait"
            f" for them to end, then check again with {again}"
        )
    if all(o.outcome == TenantOutcomeName.PENDING for o in behind):
        return FAILED_TENANTS_EXIT_CODE, f"{line} {pending_advice(behind, selection)}"
    wait = (
        f"; wait for the ones with a migration running ({first_named(running)}) to end: they"
        " need no repair"
        if running
        else ""
    )
    return FAILED_TENANTS_EXIT_CODE, (
        f"{line} each row says what to do for its tenant; repair the ones no upgrade can"
        f" move (half-applied, database differs, unknown revision) before upgrading them{wait}"
    )


def pending_advice(behind: Sequence[TenantOutcome], selection: str) -> str:
    """What to run for tenants that are only behind: the upgrade, except for those whose row
    says it would be refused or fail (a backfill first, a failing revision), which are sent to
    their rows' own first step; the upgrade then names only the rest."""
    from alembic_steward.runtime._advice import advised

    blocked = [o.tenant for o in behind if o.upgrade_blocked]
    if not blocked:
        upgrade = advised(f"db.upgrade{selection}", f"upgrade{selection}")
        return f"run {upgrade}: it runs only those"
    first = (
        f"for {first_named(blocked)} the upgrade would be refused or fail as things stand: do"
        " first what the tenant's row says, then the upgrade the row names"
    )
    rest = [o.tenant for o in behind if not o.upgrade_blocked]
    if not rest:
        return first
    tenancy = selection.partition(" --tenancy")[1:]
    options = f" --tenants {','.join(rest)}{''.join(tenancy)}"
    upgrade = advised(f"db.upgrade{options}", f"upgrade{options}")
    return f"{first}; for the rest run {upgrade}"


def check_summary(outcomes: Sequence[TenantOutcome], tally: str) -> tuple[int, str]:
    """`db.check --all-tenants`'s code and line: each tenant's verdict is `inv db.check`'s
    for its database (runtime/_tenant_status.py), the summary names each kind apart."""
    drifted = [o.tenant for o in outcomes if o.outcome == TenantOutcomeName.DRIFT]
    differs = [o.tenant for o in outcomes if o.outcome == TenantOutcomeName.DATABASE_DIFFERS]
    uncompared = [
        f"{o.tenant}: {o.outcome}"
        for o in outcomes
        if o.outcome
        not in (
            TenantOutcomeName.NO_DRIFT,
            TenantOutcomeName.DRIFT,
            TenantOutcomeName.DATABASE_DIFFERS,
        )
    ]
    if not (drifted or differs or uncompared):
        return 0, f"{tenants(len(outcomes))}: {tally}"
    total = len(outcomes)
    parts = []
    if drifted:
        parts.append(
            f"the models differ from the migrations on {are(len(drifted), total, verb=False)}"
            f" ({first_named(drifted)}): write the revision they need with `inv db.revision`"
        )
    if differs:
        parts.append(
            f"{are(len(differs), total)} not what {'its' if len(differs) == 1 else 'their'}"
            " revision builds"
            f" ({first_named(differs)}): repair each as its row says and write no revision"
            " for this"
        )
    if uncompared:
        parts.append(
            f"{are(len(uncompared), total)} not at head or cannot migrate, so they were not"
            f" compared ({first_named(uncompared)}): each row says what to do"
        )
    return FAILED_TENANTS_EXIT_CODE, f"error: {'; '.join(parts)}"


def are(count: int, total: int, *, verb: bool = True) -> str:
    """ "1 of 3 tenants is", "2 of 3 tenants are" (without ``verb``: "1 of 3 tenants")."""
    said = f"{count} of {tenants(total)}"
    if not verb:
        return said
    return f"{said} {'is' if count == 1 else 'are'}"


def unreachable_summary(outcomes: Sequence[TenantOutcome], action: str) -> tuple[int, str]:
    """Every tenant's server was unreachable: the code and the line a single database's
    command ends with then, not a per-tenant failure (nothing was run on any tenant)."""
    from alembic_steward.inspection._status_report import StatusExit

    code = StatusExit.UNREACHABLE if action == "status" else 1
    # A status or a check only reads: "nothing was run" would answer a question not asked.
    undone = "none was read" if action in ("status", "check") else "nothing was run"
    return int(code), (
        f"error: {none_of_the(len(outcomes), 'could be reached', 'could not be reached')},"
        f" so {undone}:"
        f" {outcomes[0].tenant}: {outcomes[0].detail}"
    )


def refused_summary(outcomes: Sequence[TenantOutcome], action: str) -> tuple[int, str]:
    """The server refused every tenant's sign-in (one DATABASE_URL: a wrong password, no such
    user): the code and line a single database's command gives, 10 for every action."""
    from alembic_steward.inspection._status_report import StatusExit

    code = StatusExit.REFUSED
    undone = "none was read" if action in ("status", "check") else "nothing was run"
    return int(code), (
        f"error: the server refused the sign-in of {every(len(outcomes))}, so {undone}:"
        f" {outcomes[0].tenant}: {outcomes[0].detail}"
    )


def every(count: int) -> str:
    """ "all 3 tenants", "the 1 tenant"."""
    return f"all {tenants(count)}" if count != 1 else "the 1 tenant"


def print_report(outcomes: Sequence[TenantOutcome], code: int, line: str, as_json: bool) -> None:
    """The report (a table, or the JSON rows), then its closing ``line``: on stderr when the
    run failed or under --json, where stdout is the document alone."""
    import json
    import sys

    if as_json:
        print(json.dumps([outcome.as_dict() for outcome in outcomes], indent=2))
    else:
        print(report_table(outcomes))
    print(line, file=sys.stderr if code or as_json else sys.stdout)


def none_of_the(count: int, verb: str, negated: str) -> str:
    """ "none of the 3 tenants ``verb``" or, for one, "the 1 tenant ``negated``"."""
    if count == 1:
        return f"the 1 tenant {negated}"
    return f"none of the {tenants(count)} {verb}"


def stop_counts(outcomes: Sequence[TenantOutcome]) -> tuple[list[str], int, str]:
    """For a run a signal stopped: the tenants it stopped, how many never started, and the
    words for how many ended."""
    stopped = [o.tenant for o in outcomes if o.outcome == TenantOutcomeName.STOPPED]
    unstarted = sum(o.outcome == TenantOutcomeName.NOT_RUN for o in outcomes)
    ended = len(outcomes) - len(stopped) - unstarted
    if not ended:
        return stopped, unstarted, none_of_the(len(outcomes), "ended", "did not end")
    return stopped, unstarted, f"{ended} of {tenants(len(outcomes))} ended (the report says how)"


def stopped_summary(
    outcomes: Sequence[TenantOutcome], action: str, signal_name: str, rerun: str = ""
) -> str:
    """The closing line of a fan-out a signal stopped: how many tenants ended, stopped
    part-way (each row says the state it was left in) and did not start; ``rerun``: what to
    run for the tenants left (runtime/_tenant_reruns.py), else the action's own words.

    A status or a check only reads: its line says that nothing ran and nothing changed, as
    `inv db.status` stopped on one database says, and asks for no repair."""
    from alembic_steward.runtime._tenant_runs import READ_ONLY_ACTIONS

    stopped, unstarted, ended = stop_counts(outcomes)
    reads_only = action in READ_ONLY_ACTIONS
    parts = [ended]
    if stopped and reads_only:
        left_in = "each row says where its tenant is, read from its database"
        parts.append(f"{len(stopped)} stopped part-way ({first_named(stopped)}: {left_in})")
    # Counted from each tenant's database as read after the stop: a clean rollback (or a stop
    # between migrations) leaves nothing to repair.
    part_way = [o.tenant for o in outcomes if o.tenant in stopped and o.left_part_way]
    clean = [name for name in stopped if name not in part_way]
    if part_way and not reads_only:
        left_in = (
            "the report says the state each was left in, read from its database, and how to"
            " repair it"
        )
        parts.append(f"{len(part_way)} stopped part-way ({first_named(part_way)}: {left_in})")
    if clean and not reads_only:
        parts.append(
            f"{len(clean)} stopped with nothing left part-way ({first_named(clean)}: rolled"
            " back, or stopped between migrations, as read from its database)"
        )
    parts.append(f"{unstarted} did not start")
    if reads_only:
        return (
            f"error: {signal_name} stopped the {action} of the tenants, which only reads the"
            f" databases: no migration ran and nothing changed; {', '.join(parts)};"
            f" {AGAIN[action]}"
        )
    again = rerun or AGAIN.get(action, AGAIN["upgrade"]).format(action=action)
    first = "repair any tenant stopped part-way as its row says, then " if part_way else ""
    return (
        f"error: {signal_name} stopped the {action} of the tenants: {', '.join(parts)};"
        f" {first}{again}"
    )


def first_named(tenants: Sequence[str], most: int = 10) -> str:
    """The first ``most`` tenants' names, and how many more: a line stays short at 500."""
    more = f" and {len(tenants) - most} more" if len(tenants) > most else ""
    return ", ".join(tenants[:most]) + more


def contract_pending_note(
    outcomes: Sequence[TenantOutcome], selection: str = " --all-tenants"
) -> str:
    """What to run once the expand phase left contract revisions pending, or nothing."""
    from alembic_steward.runtime._up_to_date import upgrade_command

    waiting = sum(
        not outcome.failed and outcome.detail.startswith("contract revision")
        for outcome in outcomes
    )
    if not waiting:
        return ""
    return (
        f"; {waiting} tenants have a contract revision pending: apply it once no code of the"
        f" previous release is running (`{upgrade_command()} --phase contract{selection}`)"
    )
