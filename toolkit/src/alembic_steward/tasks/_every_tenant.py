"""A repair over every tenant in turn: `inv db.accept-edit -r REV --all-tenants`.

Accepting an edit records the revision file as it is now as what ran on a tenant; every tenant
that ran the edited revision reports the same `edited revision`, so one command accepts it in
each. A tenant with nothing to accept (it never ran the revision, or ran the file as it is) is
said so and is no failure; a tenant that cannot be repaired (missing, half-applied) fails alone,
and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic.util import CommandError
from invoke import Exit


class NothingToDo(CommandError):
    """The repair finds nothing to do on this database; over every tenant, not a failure."""


def repair_every_tenant(
    tenancy: str | None, repair: Callable[[], list[str]], command: str
) -> list[str]:
    """Run ``repair`` on each tenant the tenants callable lists, printing each tenant's line as
    it ends; raise Exit (1) naming those that failed, with ``command`` (`inv` words up to
    `--tenants NAME`) to run for each once fixed."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._tenancy import checked_tenancy
    from alembic_steward.runtime._tenant_repairs import repair_tenant
    from alembic_steward.runtime._tenant_selection import selected_names

    chosen = checked_tenancy(tenancy or active_steward().tenancy)
    names = selected_names(None, None, chosen)
    if not names:
        return ["there are no tenants; nothing to do"]
    failed = []
    for name in names:
        try:
            lines = repair_tenant(name, tenancy, repair)
        except NothingToDo as nothing:
            lines = [f"tenant {name}: nothing to accept: {nothing}"]
        except CommandError as error:
            failed.append(name)
            lines = [f"tenant {name}: failed: {error}"]
        print("\n".join(lines), flush=True)
    if failed:
        raise Exit(
            f"error: {len(failed)} of {len(names)} tenants failed ({', '.join(failed)}); the"
            f" others are done; fix what their lines say, then run `inv {command} --tenants NAME`"
            " for each",
            code=1,
        )
    return []
