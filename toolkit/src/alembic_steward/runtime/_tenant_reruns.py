"""The command that goes on with a fan-out upgrade or downgrade a signal stopped: the tenants
it left.

A stopped `db.upgrade --all-tenants` (or `db.downgrade -r REV --all-tenants`) used to end with
"run the upgrade again", leaving the operator to work out which tenants that meant. Up to
:data:`MOST_NAMED` tenants left, the line names them with `--tenants a,b,...` (as a stopped
fan-out backfill does, runtime/_backfill_tenants.py); past that, the command line would be a
wall of names, and the run's own selection does the same work: a rerun touches only the tenants
not at the target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    started, or failed before the signal."""
    return [outcome.tenant for outcome in outcomes if outcome.failed]


def upgrade_rerun(outcomes: Sequence[TenantOutcome], run: FanOutRun) -> str:
    """How to go on with the upgrade ``run`` a signal stopped: the backquoted command for the
    tenants it left, and what that command does; "" when it left none."""
    from alembic_steward.runtime._advice import advised

    left = left_tenants(outcomes)
    if not left:
        return ""
    options, does = rerun_selection(left, run)
    target = f" --phase {run.phase}" if run.phase else ""
    task_target, deploy_target = target, target
    if run.revision != "head":
        task_target, deploy_target = f" -r {run.revision}", f" {run.revision}"
    command = advised(f"db.upgrade{task_target}{options}", f"upgrade{deploy_target}{options}")
    return f"run {command}: {does}"


def downgrade_rerun(outcomes: Sequence[TenantOutcome], run: FanOutRun, *, confirmed: bool) -> str:
    """As :func:`upgrade_rerun`, for a downgrade to ``run.revision``; ``confirmed``: the run
    had --yes, which the rerun repeats (without it, protected tenants are refused again).
    Always the `inv` form: an installed service has no downgrade command."""
    left = left_tenants(outcomes)
    if not left:
        return ""
    options, does = rerun_selection(left, run)
    yes = " --yes" if confirmed else ""
    return f"run `inv db.downgrade -r {run.revision}{options}{yes}`: {does}"


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
