"""After `inv db.downgrade`: is the database what its target revision builds?

A downgrade() that forgets to drop what its upgrade() made (a schema, a table, an index) runs
without error, and Alembic records the target all the same: the next upgrade then fails on
what is left ("already exists"), and `inv db.status` says the database differs. So the schema
the downgrade left is read, as after a failed run, against what the target builds
(inspection/_revision_comparison.py: a kept description, or a scratch database), and what
differs is said where it happened, with status's exit code for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke import Exit

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.inspection._downgrade_blame import DowngradeLeftovers


def check_downgrade_result(
    reverted: list[str], *, redo: bool = False, script: ScriptDirectory | None = None
) -> None:
    """Raise Exit (status's 9) naming each difference between the database, after a downgrade
    that reverted ``reverted`` (newest first), and what its target builds; return when there is
    none, or when no comparison could be made (the downgrade itself went as Alembic says).

    ``redo``: the downgrade is `db.redo`'s first half, whose upgrade is then not run: it would
    run into what was left, or hide it. ``script``: the caller's history, if it holds one."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._downgrade_blame import (
        Place,
        blame_line,
        read_downgrade_leftovers,
    )
    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.runtime._batch_losses import downgrade_losses
    from alembic_steward.runtime._interruptions import Terminated
    from alembic_steward.runtime._state_after_failure import version_heads

    emptied = warn_empty_downgrades(reverted, script)
    heads: list[str] = []
    try:
        with get_blocking_engine().connect() as connection:
            heads = list(version_heads(connection))
            left = read_downgrade_leftovers(connection, heads, reverted, downgrade_losses())
            remember_leftovers(connection, heads, left, emptied)
    except (KeyboardInterrupt, Terminated) as stop:
        word_the_stop(stop, ", ".join(heads) or "base", "db.redo" if redo else "db.downgrade")
        raise
    if left is None:
        return
    for difference in left.differences:
        print(difference.line(left.builds, "the database"))
    place = Place()
    if redo:
        place = Place(
            stopped=f"; db.redo stopped there and did not apply {', '.join(reverted)} again",
            again=f", and `inv db.upgrade -r {reverted[0]}` applies it again",
        )
    raise Exit(f"error: {blame_line(left, place)}", code=StatusExit.DATABASE_DIFFERS)


def warn_empty_downgrades(reverted: list[str], script: ScriptDirectory | None = None) -> list[str]:
    """Print a warning for each reverted revision whose downgrade() did nothing; return them."""
    import sys

    from alembic_steward.runtime._empty_downgrades import empty_reverts, reverted_empty

    if script is None:
        from alembic.script import ScriptDirectory

        from alembic_steward.runtime._config import build_alembic_config

        script = ScriptDirectory.from_config(build_alembic_config())
    emptied = empty_reverts(script, reverted)
    for revision in emptied:
        print(f"warning: {reverted_empty(revision)}", file=sys.stderr)
    return emptied


def remember_leftovers(
    connection: Connection,
    heads: list[str],
    left: DowngradeLeftovers | None,
    emptied: list[str] | None = None,
) -> None:
    """Keep whose downgrade() left what differs, and which reverted ones left all their work
    (``emptied``: their downgrade() is empty), for `inv db.status` to name them while the
    database stays as it left it (runtime/_downgrade_runs.py); forget it when nothing is left."""
    from alembic_steward.inspection._leftover_makers import leftover_makers
    from alembic_steward.runtime._downgrade_runs import (
        forget_downgrade_leftovers,
        record_downgrade_leftovers,
    )

    blamed = left is not None and bool(left.blamed)
    if not blamed and not emptied:
        forget_downgrade_leftovers(connection)
        return
    makers = leftover_makers(left.blamed, left.reverted) if left is not None and blamed else []
    record_downgrade_leftovers(connection, heads, makers, emptied)


def word_the_stop(stop: BaseException, target: str, task: str = "db.downgrade") -> None:
    """Word the line of a signal that stopped the comparison in its scratch database: the
    downgrade had finished, so "no migration ran on the database" would be untrue."""
    from alembic_steward.inspection._scratch_database import scratch_line
    from alembic_steward.runtime._interruptions import (
        WORDED_LINE,
        stopped_a_scratch_build,
        where_the_database_stands,
    )

    if not stopped_a_scratch_build(stop):
        return  # stopped reading the live database: the generic line is true
    name = "SIGINT" if isinstance(stop, KeyboardInterrupt) else "SIGTERM"
    line = (
        f"error: {name} stopped {task} while it compared the database with what {target}"
        f" builds, after the downgrade had finished: {where_the_database_stands('inv db.status')};"
        f" {scratch_line(stop)}; `inv db.status` compares them"
    )
    setattr(stop, WORDED_LINE, line)
