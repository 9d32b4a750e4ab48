"""What a fan-out downgrade's closing line advises for its ``leftovers`` tenants.

A ``leftovers`` tenant reached its target: its version table says so, and what differs from
the target's build is listed in its row (runtime/_tenant_downgrade_results.py). Running the
downgrade again takes it nowhere (it is at the target, and says `at target`), so the advice a
failed tenant gets ("run the downgrade again") would change nothing; what does is undoing the
differences by hand, as `inv db.downgrade` says for one database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_steward.runtime._tenant_outcome_names import TenantOutcomeName

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic_steward.runtime._tenant_runs import TenantOutcome


def leftovers_advice(outcomes: Sequence[TenantOutcome], selection: str) -> str:
    """The advice for the ``leftovers`` rows of ``outcomes``, "" when there are none;
    ``selection``: the run's options (runtime/_tenant_reports.py), whose --tenancy the status
    command it names keeps."""
    from alembic_steward.runtime._advice import tenant_status_command
    from alembic_steward.runtime._tenant_reports import first_named

    left = [o for o in outcomes if o.outcome == TenantOutcomeName.LEFTOVERS]
    if not left:
        return ""
    names = [o.tenant for o in left]
    targets = sorted({o.after for o in left})
    target = targets[0] if len(targets) == 1 else "its target"
    one = len(left) == 1
    tenancy = selection.partition(" --tenancy ")[2].split(" ")[0]
    options = f" --tenants {','.join(names)}" + (f" --tenancy {tenancy}" if tenancy else "")
    builds = "what it builds" if target == "its target" else f"what {target} builds"
    return (
        f"{first_named(names)} {'is' if one else 'are'} at {target} already but"
        f" {'holds' if one else 'hold'} what {target} does not build (listed in"
        f" {'its row' if one else 'their rows'}): running the downgrade again changes nothing"
        f" there; undo those by hand as {'its' if one else 'each'} row says, then"
        f" `{tenant_status_command(options)}` says whether {'it is' if one else 'each is'}"
        f" {builds}"
    )
