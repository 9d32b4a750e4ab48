"""After `inv db.downgrade`: is the database what its target revision builds?

A downgrade() that forgets to drop what its upgrade() made (a schema, a table, an index) runs
without error, and Alembic records the target all the same: the next upgrade then fails on
what is left ("already exists"), and `inv db.status` says the database differs. So the schema
the downgrade left is read, as after a failed run, against what the target builds
(inspection/_revision_comparison.py: a kept description, or a scratch database), and what
differs is said where it happened, with status's exit code for it.
"""

from __future__ import annotations

from invoke import Exit


def check_downgrade_result(reverted: list[str], *, redo: bool = False) -> None:
    """Raise Exit (status's 9) naming each difference between the database, after a downgrade
    that reverted ``reverted`` (newest first), and what its target builds; return when there is
    none, or when no comparison could be made (the downgrade itself went as Alembic says).

    ``redo``: the downgrade is `db.redo`'s first half, whose upgrade is then not run: it would
    run into what was left, or hide it."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build
    from alembic_steward.inspection._run_leftovers import split_by_run
    from alembic_steward.inspection._status_report import StatusExit
    from alembic_steward.runtime._interruptions import Terminated
    from alembic_steward.runtime._state_after_failure import version_heads

    heads: list[str] = []
    before: list = []
    try:
        with get_blocking_engine().connect() as connection:
            heads = list(version_heads(connection))
            found, _ = leftovers_and_matching_build(
                connection, heads or ["base"], later=False, earlier=False
            )
            if found:
                # Only what the reverted revisions change can be their downgrade()s' leftover:
                # the rest was there before (an earlier downgrade's, or a hand change).
                found, before = split_by_run(connection, found, heads or ["base"], reverted[:1])
    except (KeyboardInterrupt, Terminated) as stop:
        word_the_stop(stop, ", ".join(heads) or "base", "db.redo" if redo else "db.downgrade")
        raise
    if not found and not before:
        return
    target = ", ".join(heads) or "base"
    builds = f"what {target} builds" if heads else "an empty database (base)"
    for difference in found + before:
        print(difference.line(builds, "the database"))
    if not found:
        raise Exit(
            f"error: after the downgrade to {target}, the database is not {builds} (listed"
            f" above): {there_before(before, reverted)}; the downgrade() of"
            f" {', '.join(reverted)} undid what {'its' if len(reverted) == 1 else 'their'}"
            f" upgrade() made, and the version table says {target}; undo those by hand (`inv"
            f" db.shell`), then `inv db.status` says whether the database is {builds}",
            code=StatusExit.DATABASE_DIFFERS,
        )
    undo = (
        f"the downgrade to {target} left what {target} does not build (listed above)"
        if all(difference.change != "missing" for difference in found)
        else f"after the downgrade to {target}, the database is not {builds} (listed above)"
    )
    from alembic_steward.tasks._leftover_makers import leftover_makers

    forgetful = ", ".join(leftover_makers(found, reverted))
    stopped, again = "", ""
    if redo:
        stopped = f"; db.redo stopped there and did not apply {', '.join(reverted)} again"
        again = f", and `inv db.upgrade -r {reverted[0]}` applies it again"
    also = f" ({there_before(before, reverted)})" if before else ""
    raise Exit(
        f"error: {undo}: the downgrade() of {forgetful} did not undo all its upgrade()"
        f" made{also}, though the version table says {target}{stopped}; undo those by hand"
        " (`inv db.shell`) and make that downgrade() undo them too, then `inv db.status` says"
        f" whether the database is {builds}{again}",
        code=StatusExit.DATABASE_DIFFERS,
    )


def there_before(differences: list, reverted: list[str]) -> str:
    """`table notes, which r1 does not touch, was there before this downgrade (...)`."""
    from alembic_steward.inspection._run_leftovers import briefs

    touch = "does" if len(reverted) == 1 else "do"
    were = "was" if len(differences) == 1 else "were"
    return (
        f"{briefs(differences)}, which {', '.join(reverted)} {touch} not touch, {were} there"
        " before this downgrade (left by an earlier downgrade, or made by hand)"
    )


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
