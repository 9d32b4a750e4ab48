"""After a tenant's downgrade in a fan-out: is the tenant what its target revision builds?

`inv db.downgrade -r REV` reads what the downgrade left on one database
(tasks/_downgrade_result.py); a fan-out reads each tenant it downgraded the same way, in its
worker, on the tenant's own connection. What the target builds is built once and kept
(inspection/_kept_builds.py), so the tenants after the first on a server compare with that
description, building nothing more where its key is theirs (schema tenants share their
database's). A tenant whose downgrade forgot something gets a row of its own, ``leftovers``,
with each difference and the code `inv db.downgrade` gives one database (9); the others stay
``downgraded``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.runtime._tenancy import Tenant
    from alembic_steward.runtime._tenant_runs import TenantOutcome


def with_downgrade_result(
    tenant: Tenant,
    outcome: TenantOutcome,
    connection: Connection,
    reverted: list[str],
    after: tuple[str, ...],
) -> TenantOutcome:
    """``outcome`` (``tenant`` downgraded to ``after``, reverting ``reverted``, newest first),
    made a ``leftovers`` row when the tenant holds what ``after`` does not build; as it was when
    it holds none, or when no comparison could be made (the downgrade went as Alembic says)."""
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build
    from alembic_steward.inspection._status_report import StatusExit

    try:
        found, _ = leftovers_and_matching_build(
            connection, list(after) or ["base"], later=False, earlier=False
        )
    except Exception:  # noqa: BLE001 - not compared: the downgrade itself went as Alembic says
        found = None
    finally:
        if connection.in_transaction():
            connection.rollback()
    if not found:
        return outcome
    target = ", ".join(after) or "base"
    builds = f"what {target} builds" if after else "an empty database (base)"
    outcome.outcome = TenantOutcomeName.LEFTOVERS
    outcome.exit_code = int(StatusExit.DATABASE_DIFFERS)
    outcome.differences = [difference.line(builds, "the tenant") for difference in found]
    outcome.detail = leftovers_line(tenant, target, builds, reverted, outcome.differences)
    return outcome


def leftovers_line(
    tenant: Tenant, target: str, builds: str, reverted: list[str], differences: list[str]
) -> str:
    """The row's one line: what was left, whose downgrade() left it, and what to do, with the
    commands that act on this tenant alone."""
    from alembic_steward.runtime._advice import bound_tenant_options, tenant_status_command

    status = tenant_status_command(bound_tenant_options("--tenants"))
    return (
        f"the downgrade to {target} left what {target} does not build"
        f" ({'; '.join(differences)}): the downgrade() of {', '.join(reverted)} did not undo"
        f" all its upgrade() made, though the tenant's version table says {target}; undo those"
        f" by hand in {tenant.name} and make that downgrade() undo them too, then"
        f" `{status}` says whether the tenant is {builds}"
    )
