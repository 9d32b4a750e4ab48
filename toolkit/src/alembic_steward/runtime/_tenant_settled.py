"""Whether a tenant has anything to run, decided from the revisions read in it, before any run.

A fan-out's run skips such a tenant after one read of its version table (no env.py, no lock):
an upgrade of a tenant at head, an expand phase with only contract revisions left, a downgrade
of a tenant not past its target. A canary is chosen among the tenants that do have something
to run (runtime/_tenant_canaries.py), by the same decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.runtime._tenancy import Tenant
from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName
from alembic_steward.runtime._tenant_runs import TenantOutcome, shown

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

# The outcomes of a tenant with nothing to run: the rows a skipped tenant gets.
SETTLED_OUTCOMES = frozenset(
    {
        TenantOutcomeName.AT_HEAD,
        TenantOutcomeName.AT_TARGET,
        TenantOutcomeName.BELOW_TARGET,
        TenantOutcomeName.EXPAND_DONE,
    }
)


def upgrade_target(
    script: ScriptDirectory, revision: str, phase: str | None, before: tuple[str, ...]
) -> tuple[str | None, str]:
    """Where an upgrade takes a tenant at ``before`` (None: an expand phase with nothing to
    apply), and its row's note (the contract revision left pending, or "")."""
    from alembic_steward.runtime._phased_upgrade import phase_target

    if phase is None:
        return revision, ""
    # From this tenant's own revisions, as `upgrade --phase` does for one database.
    target, contract = phase_target(script, phase, before)
    return target, f"contract revision {contract.revision} pending" if contract is not None else ""


def settled_outcome(
    tenant: Tenant,
    script: ScriptDirectory,
    request: tuple[str, str, str | None],
    before: tuple[str, ...],
) -> TenantOutcome | None:
    """The row of ``tenant``, at ``before``, when ``request`` (action, revision, phase) has
    nothing to run there; None when it has (or Alembic must say why it cannot)."""
    action, revision, phase = request
    at = shown(before)
    if action == "upgrade":
        at_head = tuple(sorted(before)) == tuple(sorted(script.get_heads()))
        target, note = upgrade_target(script, revision, phase, before)
        if target is None or (target == "head" and at_head):
            outcome = TenantOutcomeName.AT_HEAD if at_head else TenantOutcomeName.EXPAND_DONE
            return TenantOutcome(tenant.name, outcome, at, at, detail=note)
    elif action == "downgrade":
        standing = standing_at_or_below(script, revision, before)
        if standing is not None:
            detail = (
                ""
                if standing == TenantOutcomeName.AT_TARGET
                else f"not past {revision}: nothing to downgrade"
            )
            return TenantOutcome(tenant.name, standing, at, at, detail=detail)
    return None


def standing_at_or_below(
    script: ScriptDirectory, target: str, before: tuple[str, ...]
) -> str | None:
    """ "at target" when ``before`` is ``target``, "below target" when every revision in it is
    below ``target`` (a downgrade there has nothing to revert), else None: a target that does
    not resolve (Alembic then says why), or a tenant past it or on a branch beside it."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        below = [
            revision.revision
            for revision in script.iterate_revisions(target, "base")
            if revision is not None
        ]
    except (CommandError, RevisionError):
        return None
    if not all(revision in below for revision in before):
        return None
    at = set(before) == set(below[:1]) or (not before and not below)
    return TenantOutcomeName.AT_TARGET if at else TenantOutcomeName.BELOW_TARGET
