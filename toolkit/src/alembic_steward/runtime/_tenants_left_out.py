"""The note a main-database command prints in a service with tenants: they were left out.

`inv db.upgrade` without `--all-tenants` migrates DATABASE_URL's own database alone; it exited
0 saying nothing of the tenants still behind. The note counts the names the tenants callable
returns (no tenant is connected to), goes to stderr (a `--json` document stays whole) and never
changes the exit code.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


def left_out_note(task: str, deploy: str | None) -> str | None:
    """The note for a command that ran on DATABASE_URL's own database, naming the fan-out
    (``task`` after `inv`, ``deploy`` after the module, both with `--all-tenants`; None: the
    module has no such command, an `inv` task's alone), or None when the service lists no
    tenant."""
    from alembic.util import CommandError

    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._advice import advised
    from alembic_steward.runtime._tenancy import bound_tenant, declared_tenants

    callable_name = active_steward().tenants
    if callable_name is None or bound_tenant() is not None:
        return None
    try:
        count = len(declared_tenants())
    except CommandError:  # a broken callable: the fan-out says why, in its own line
        return None
    if count == 0:
        return None
    command = advised(task, deploy) if deploy is not None else f"`inv {task}`"
    tenants = "1 tenant" if count == 1 else f"{count} tenants"
    verb = "is" if count == 1 else "are"
    return (
        f"note: {tenants} ({callable_name} lists them) {verb} not included: this acted on"
        f" DATABASE_URL's own database alone; add --all-tenants ({command})"
    )


@contextmanager
def noting_tenants_left_out(task: str, deploy: str | None) -> Iterator[None]:
    """Print :func:`left_out_note` to stderr once the block ends, however it ends."""
    try:
        yield
    finally:
        note = left_out_note(task, deploy)
        if note is not None:
            print(note, file=sys.stderr)
