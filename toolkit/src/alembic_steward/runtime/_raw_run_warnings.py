"""The warnings `inv db.upgrade` and `inv db.downgrade` print after their run, printed by raw
`alembic upgrade` and `alembic downgrade` too: the objects an upgrade left failing
(runtime/_post_upgrade_look.py), the hand-made ones it dropped on SQLite
(runtime/_hand_object_losses.py), and each reverted revision whose downgrade() is empty
(runtime/_empty_downgrades.py).

The project's env.py runs every online run through :func:`runtime.run_online`, so raw Alembic
gets them there, around its run, as `inv` does around `command.upgrade`; under `inv` or the
app's `python -m app.migrations` (no CLI command) they print their own. Warnings only: one that
cannot be read says nothing, and Alembic's exit code stands. A run on a connection handed in
(`config.attributes["connection"]`) is a caller's, who says what it wants.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

# The revisions the run's steps moved (runtime/_env.py's counting_applied notes them): a
# downgrade's are those it reverted.
STEPS = "alembic_steward.raw_run_steps"


@contextmanager
def raw_run_warnings(config: Config) -> Iterator[None]:
    """Around a raw `alembic upgrade` or `downgrade`: its warnings once it ran; nothing else."""
    from alembic_steward.runtime._protection import raw_alembic_command

    command = raw_alembic_command(config)
    if command not in ("upgrade", "downgrade"):
        yield
        return
    before = looked_before() if command == "upgrade" else None
    steps: list = config.attributes.setdefault(STEPS, [])
    yield
    try:
        if command == "upgrade":
            from alembic_steward.runtime._hand_object_losses import lost_after_upgrade
            from alembic_steward.runtime._post_upgrade_look import broken_after_upgrade_line

            line = broken_after_upgrade_line(before)
            if line is not None:
                print(line, file=sys.stderr)
            for lost in lost_after_upgrade(before):
                print(lost, file=sys.stderr)
        elif steps:
            from alembic_steward.tasks._downgrade_result import warn_empty_downgrades

            # Once each: a run retried after a lock wait notes its steps again.
            reverted = dict.fromkeys(step for step in steps if isinstance(step, str))
            warn_empty_downgrades(list(reverted))
    except Exception:  # noqa: BLE001 - a warning that cannot be read is not said
        return


def looked_before():  # noqa: ANN201 - a Before, or None
    """What the look reads before an upgrade (None when it cannot)."""
    from alembic_steward.runtime._post_upgrade_look import schema_before_upgrade

    try:
        return schema_before_upgrade()
    except Exception:  # noqa: BLE001 - no look: no warning
        return None
