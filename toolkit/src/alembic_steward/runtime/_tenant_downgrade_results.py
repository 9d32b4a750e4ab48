"""After a tenant's downgrade in a fan-out: is the tenant what its target revision builds?

`inv db.downgrade -r REV` reads what the downgrade left on one database
(tasks/_downgrade_result.py); a fan-out reads each tenant it downgraded the same way, in its
worker, on the tenant's own connection. What the target builds is built once and kept
(inspection/_kept_builds.py), so the tenants after the first on a server compare with that
description, building nothing more where its key is theirs (schema tenants share their
database's). A tenant whose downgrade forgot something gets a row of its own, ``leftovers``,
with each difference and the code `inv db.downgrade` gives one database (9), worded by the same
code (inspection/_downgrade_blame.py): a difference none of the reverted revisions touch is
said to have been there before, not blamed on their downgrade(); the others stay
``downgraded``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.inspection._downgrade_blame import DowngradeLeftovers
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
    from alembic_steward.inspection._downgrade_blame import read_downgrade_leftovers
    from alembic_steward.inspection._status_report import StatusExit

    try:
        left = read_downgrade_leftovers(connection, list(after), reverted)
    except Exception:  # noqa: BLE001 - not compared: the downgrade itself went as Alembic says
        left = None
    finally:
        if connection.in_transaction():
            connection.rollback()
    if left is None:
        return outcome
    outcome.outcome = TenantOutcomeName.LEFTOVERS
    outcome.exit_code = int(StatusExit.DATABASE_DIFFERS)
    outcome.differences = [d.line(left.builds, "the tenant") for d in left.differences]
    outcome.detail = leftovers_line(tenant, left, outcome.differences)
    return outcome


def leftovers_line(tenant: Tenant, left: DowngradeLeftovers, differences: list[str]) -> str:
    """The row's one line, as `inv db.downgrade` words it for one database (what was left,
    whose downgrade() left it or that it was there before, what removes it), with the commands
    that act on this tenant alone."""
    from alembic_steward.inspection._downgrade_blame import Place, blame_line
    from alembic_steward.runtime._advice import bound_tenant_options, tenant_status_command

    status = tenant_status_command(bound_tenant_options("--tenants"))
    place = Place(
        noun="the tenant",
        version_table="the tenant's version table",
        listed=f" ({'; '.join(differences)})",
        by_hand=f"in {tenant.name}",
        status=f"`{status}`",
    )
    return blame_line(left, place)
