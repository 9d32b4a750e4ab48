"""The command that goes on with a fan-out upgrade or downgrade a signal stopped: the tenants
it left.

A stopped `db.upgrade --all-tenants` (or `db.downgrade -r REV --all-tenants`) used to end with
"run the upgrade again", leaving the operator to work out which tenants that meant. Up to
:data:`MOST_NAMED` tenants left, the line names them with `--tenants a,b,...` (as a stopped
fan-out backfill does, runtime/_backfill_tenants.py); past that, the command line would be a
wall of names, and the run's own selection does the same work: a rerun touches only the tenants
not at the target.

A relative target (`-r +1`, `-r -1`) counts from where each tenant is: repeated, it would move
the tenants that had already moved one step further. Its rerun names, for each tenant left,
the absolute revision the run meant it to reach, one command per revision, and always names
the tenants (the run's selection would take the others further).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alembic_steward.runtime._relative_targets import is_step_from_current, step_target
from alembic_steward.runtime._tenant_runs import TenantOutcome

# Past this many tenants left, the rerun repeats the run's selection instead of naming them.
MOST_NAMED = 10


@dataclass(frozen=True)
class FanOutRun:
    """What a fan-out upgrade or downgrade was asked: ``revision`` (or ``phase``), and
    ``selection``, the options that chose its tenants (runtime/_tenant_reports.py's
    selection_options);
    ``tenancy``: the --tenancy given, None for the wiring's."""

    revision: str
    phase: str | None
    selection: str
    tenancy: str | None


def left_tenants(outcomes: Sequence[TenantOutcome]) -> list[str]:
    """The tenants a stopped upgrade did not bring to its target: stopped part-way, never
    started, or failed before the signal. A ``leftovers`` tenant is at its target: a rerun
    leaves it as it is (runtime/_tenant_leftovers_advice.py says what does not)."""
    return [outcome.tenant for outcome in outcomes if outcome.failed and not at_target(outcome)]


def at_target(outcome: TenantOutcome) -> bool:
    from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName

    return outcome.outcome == TenantOutcomeName.LEFTOVERS


def upgrade_rerun(outcomes: Sequence[TenantOutcome], run: FanOutRun) -> str:
    """How to go on with the upgrade ``run`` a signal stopped (or a failure ended): the
    backquoted command for the tenants it left, and what that command does; "" when it left
    none."""
    from alembic_steward.runtime._advice import advised

    def command(target: str, options: str) -> str:
        phase = f" --phase {run.phase}" if run.phase else ""
        if target == "head":
            return advised(f"db.upgrade{phase}{options}", f"upgrade{phase}{options}")
        return advised(f"db.upgrade -r {target}{options}", f"upgrade {target}{options}")

    return rerun_line(outcomes, run, "upgrade", command)


def downgrade_rerun(outcomes: Sequence[TenantOutcome], run: FanOutRun, *, confirmed: bool) -> str:
    """As :func:`upgrade_rerun`, for a downgrade to ``run.revision``; ``confirmed``: the run
    had --yes, which the rerun repeats (without it, protected tenants are refused again).
    Always the `inv` form: an installed service has no downgrade command."""
    yes = " --yes" if confirmed else ""

    def command(target: str, options: str) -> str:
        return f"`inv db.downgrade -r {target}{options}{yes}`"

    return rerun_line(outcomes, run, "downgrade", command)


def action_rerun(
    outcomes: Sequence[TenantOutcome], action: str, run: FanOutRun, *, confirmed: bool
) -> str:
    """The rerun :func:`upgrade_rerun` or :func:`downgrade_rerun` names for ``action``; ""
    for a status or a check, which read afresh each time."""
    if action == "upgrade":
        return upgrade_rerun(outcomes, run)
    if action == "downgrade":
        return downgrade_rerun(outcomes, run, confirmed=confirmed)
    return ""


def rerun_line(
    outcomes: Sequence[TenantOutcome],
    run: FanOutRun,
    direction: str,
    command: Callable[[str, str], str],
) -> str:
    """ "run COMMAND: what it does" for the tenants ``run`` left; ``command(target, options)``
    is the backquoted command taking the tenants ``options`` selects to ``target``."""
    left = left_tenants(outcomes)
    if not left:
        return ""
    if is_step_from_current(run.revision):
        return stepped_rerun([o for o in outcomes if o.tenant in left], run, direction, command)
    options, does = rerun_selection(left, run)
    return f"run {command(run.revision, options)}: {does}"


def stepped_rerun(
    left: Sequence[TenantOutcome],
    run: FanOutRun,
    direction: str,
    command: Callable[[str, str], str],
) -> str:
    """The rerun of a relative ``run`` (`-r +1`): one command per revision the tenants
    ``left`` were meant to reach, counted from where each began. A tenant whose start is not
    known never started, so has not moved: its step still counts from where it is."""
    by_target: dict[str, list[str]] = {}
    for outcome in left:
        target = step_target(run.revision, outcome.before, direction) or run.revision
        by_target.setdefault(target, []).append(outcome.tenant)
    tenancy = f" --tenancy {run.tenancy}" if run.tenancy else ""
    commands = [
        command(target, f" --tenants {','.join(names)}{tenancy}")
        for target, names in by_target.items()
    ]
    listed = ", ".join(commands[:-1]) + (" and " if len(commands) > 1 else "") + commands[-1]
    return (
        f"run {listed}: each takes its tenants to the revision the step {run.revision} meant"
        " for them, counted from where each began (repeating the step would take the tenants"
        " that had moved already further)"
    )


def rerun_selection(left: list[str], run: FanOutRun) -> tuple[str, str]:
    """The options that choose the tenants ``left`` (or the run's own selection, past
    :data:`MOST_NAMED`), and what the rerun does with them."""
    from alembic_steward.runtime._tenant_reports import first_named

    if len(left) > MOST_NAMED:
        does = (
            f"it runs only the tenants not at the target ({len(left)} are left:"
            f" {first_named(left)})"
        )
        return run.selection, does
    options = f" --tenants {','.join(left)}"
    options += f" --tenancy {run.tenancy}" if run.tenancy else ""
    return options, "it goes on with exactly the tenants left"
