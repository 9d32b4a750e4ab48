"""The two repairs after a MySQL/MariaDB migration stopped half-way: record the revision a
migration finished by hand reached (stamp), or clear the mark once it was undone by hand.

Shared by the tasks (`inv db.stamp`, `inv db.clear-migration-mark`) and the installed service's
`python -m app.migrations stamp REV --yes` / `clear-migration-mark`, which the advice names
where there is no `inv` (runtime/_advice.py), so both forms word every outcome the same. Each
acts on the bound tenant when one is (runtime/_tenant_repairs.py binds it for `--tenants NAME`),
else on DATABASE_URL's database. Each returns the lines to print; a refusal raises
RepairRefused, whose message is the one line to print; a server that cannot be reached raises
DatabaseUnreachable (a CommandError), saying that nothing was changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from alembic_steward.runtime._repair_targets import RepairRefused, check_stamp_target

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection, Engine

    from alembic_steward.runtime._mark_directions import Mark

__all__ = ["RepairRefused", "check_stamp_target", "clear_mark", "stamp_database"]
# How a line names a database that rolls failed migrations back, at the start of a sentence.
DIALECT_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def stamp_database(
    revision: str, *, purge: bool = False, accept_differences: bool = False
) -> list[str]:
    """Record ``revision`` (an id, head or base) in the database without running a migration;
    the stamp also clears a half-applied mark. ``purge`` empties the version table first.

    Raises RepairRefused for a relative step or a revision the history lacks, or, over a
    half-applied mark, a schema that is not what ``revision`` builds unless
    ``accept_differences`` (nothing changed); DatabaseUnreachable when the database cannot be
    reached.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._database_state import read_half_applied_mark
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._downgrade_runs import emptied_at_stamp, emptied_lines
    from alembic_steward.runtime._half_applied_marks import STAMPING, describe_heads
    from alembic_steward.runtime._repair_targets import (
        refuse_stamp_over_differences,
        refuse_unknown_target,
    )
    from alembic_steward.runtime._repaired_downgrade_records import (
        carry_record,
        record_at,
        still_differing_line,
    )
    from alembic_steward.runtime._stamp_comparison import (
        StampComparison,
        accepted_comparison,
        accepted_warning,
        compare_stamp_target,
        kept_rows_claim,
        kept_rows_warning,
    )
    from alembic_steward.runtime._stamp_differences import rows_a_stamp_wrote, rows_before_stamp
    from alembic_steward.runtime._state_after_failure import version_heads

    check_stamp_target(revision)
    config = build_alembic_config()
    script = ScriptDirectory.from_config(config)
    with repaired_engine() as engine:
        with repair_connection(engine) as connection:
            mark = read_half_applied_mark(connection)
            unfinished = None if mark is None else mark.after_revisions
            before = version_heads(connection)
            refuse_unknown_target(script, revision, connection)
            still_differs, record = None, None
            if unfinished is not None and not accept_differences:
                others = refuse_stamp_over_differences(script, revision, connection)
                # What a stopped downgrade's empty downgrade()s left: named, and kept on.
                record = record_at(connection, before)
                still_differs = still_differing_line(others, record, [revision])
            repairs = unfinished is not None or accept_differences
            # Accepting records the revision, never the database as right: its differences are
            # kept as any stamp's, so every command then reads it as status does (exit 9).
            if unfinished is not None:  # the refusal above compared already, or it is accepted
                compared = StampComparison()
                recorded = accepted_comparison(script, revision, connection, accept_differences)
            else:
                compared = compare_stamp_target(script, revision, connection)
                recorded = compared if accept_differences else None
            # Accepting the differences says nothing of which revisions ran: the rows the stamp
            # keeps, and its words on them, are the same with the option or without.
            unmarked_rows = rows_a_stamp_back_keeps(
                connection, script, repairs_a_run=unfinished is not None
            )
            # Read before the stamp writes the rows of what it marks: which of those never ran.
            # Only where the schema was found what the target builds (not over a mark, whose
            # user finished the work by hand, nor over differences, whose advice stands).
            clean = unfinished is None and compared.warning is None
            rows_before = rows_before_stamp(connection, before)
            # Runs: those a downgrade reverted with an empty downgrade(), the database still as
            # it left it, their work here (runtime/_downgrade_runs.py); not runs: the rows the
            # stamp that recorded ``before`` wrote for work it skipped.
            emptied = emptied_at_stamp(connection, script, before)
            runs_before = (rows_before[0] - rows_before[1]) | emptied
            ran_before = runs_before if clean else None
            undone = None
            if clean:  # exactly the target's schema: unmarked schema work undone by hand goes
                from alembic_steward.runtime._undone_schema_rows import rows_of_undone_schema_work

                undone = rows_of_undone_schema_work(
                    connection, script, before, revision, runs_before
                )
                unmarked_rows -= undone.dropped
        # After a MySQL/MariaDB migration was finished by hand, the stamp records it and clears
        # the half-applied mark (runtime/_half_applied_marks.py). env.py stamps the bound
        # tenant, if any, as it migrates it.
        config.attributes[STAMPING] = True
        command.stamp(config, revision, purge=purge)
        from alembic_steward.runtime._phase_records import prune_phases
        from alembic_steward.runtime._revision_checksums import prune_checksums

        # A stamp's own steps keep the rows of the revisions they unmark: what is left applied
        # keeps its rows, and the others go once the database is known to be what it records.
        from alembic_steward.runtime._stamp_differences import keep_stamp_comparison

        with engine.begin() as connection:
            prune_phases(connection, script)
            if not compared.keep_rows:
                # Not the rows a stamp wrote (raw `alembic stamp` back keeps them): none ran.
                above = rows_above_both(connection, script, before) - rows_before[1]
                kept = unmarked_rows | above
                # Runs whose data steps are here though their schema work was undone: kept, as
                # the note says (none of ``unmarked_rows`` when a stamp over differences
                # recorded ``before``, and the upgrade ran their data steps a second time).
                kept |= set(undone.kept if undone is not None else ())
                prune_checksums(connection, script, keep=kept)
            # An upgrade with nothing to run then says the stamp found differences; the rows
            # this stamp wrote are named, so a stamp back that undoes it does not keep them; not
            # a repair's, whose user finished that work by hand: it is here, as if it had run.
            # Those an earlier stamp wrote and this one left stay listed: no run wrote them.
            wrote = set() if repairs else rows_a_stamp_wrote(connection, rows_before) - emptied
            keep_stamp_comparison(
                connection, version_heads(connection), recorded or compared, sorted(wrote)
            )
            # A head that never ran, found what it builds (or its differences accepted): it ran.
            if not compared.differs or accept_differences:
                from alembic_steward.runtime._unran_heads import record_stamped_heads

                record_stamped_heads(connection, script)
        # Read back, so the line names the full ids a prefix or `head` stood for.
        with engine.connect() as connection:
            heads = version_heads(connection)
            carry_record(connection, record, heads)
            stamped = describe_heads(heads)
            warning = compared.warning if recorded is None else accepted_warning(recorded)
            # The schema is what it records: its data may not be, unless the stamp was told to
            # accept the database as it is (the way to record rows made by hand).
            if ran_before is not None and not accept_differences:
                from alembic_steward.inspection._stamped_data_steps import unrun_data_steps_line

                # A stamp back over rows a stamp ahead wrote leaves work applied that never ran.
                warning = unrun_data_steps_line(
                    connection, script, before, heads, ran_before, rows_before[1]
                )
            if warning:  # said from the rows left, not from the decision above: true whatever
                # kept them
                warning += kept_rows_claim(connection, script, tuple(before), tuple(heads))
            elif ran_before is not None and not (undone is not None and undone.kept):
                # A stamp back over work that ran and left no schema (a data step): the schema
                # is what it records, yet the upgrade will refuse; said now, not first by it.
                warning = kept_rows_warning(connection, script, tuple(before), tuple(heads))
            if undone is not None and undone.kept:  # the note too, from the rows left
                from alembic_steward.runtime._revision_checksums import recorded_values

                undone = undone.left(recorded_values(connection))
    lines = [f"Stamped the database at {stamped}.", *([warning] if warning else status_hint())]
    lines.extend(emptied_lines(script, before, heads, emptied))
    if still_differs:
        lines.append(still_differs.replace(f" {revision} builds", f" {stamped} builds", 1))
    note = undone.note(stamped) if undone is not None else None
    if note:  # rows kept over schema work undone: why the upgrade will refuse, and the way on
        lines.append(note)
    if unfinished is not None:
        lines.append(
            f"The stamp cleared the mark of {stopped_run(mark, script, heads)}:"
            " the database now records the schema as you left it."
        )
    return lines


def rows_a_stamp_back_keeps(
    connection: Connection, script: ScriptDirectory, *, repairs_a_run: bool
) -> set[str]:
    """The revisions applied now whose bookkeeping rows a stamp keeps if it unmarks them.

    A stamp moves the version table and runs nothing: moved back, the revisions it unmarks
    still did their work here (a data-only one leaves no trace a comparison could find), so
    their rows stay and an upgrade refuses to run them again. Only a stamp at the revision
    already recorded, finding the schema what it builds, drops the rows above it: the refusal's
    way out once that work was undone by hand. None are kept when the stamp repairs a run that
    stopped (``repairs_a_run``: over a half-applied mark; `--accept-differences` alone keeps
    them as a stamp without it does: it says nothing of which revisions ran), nor when the
    version table's revisions were recorded by a stamp that found the database differing from
    them (a stamp ahead, now undone): those never ran here. Nor are
    the rows the stamp that recorded them wrote itself (a stamp ahead over work that never ran,
    runtime/_stamp_differences.py ``rows_the_stamp_wrote``): a row no run wrote says nothing ran.
    """
    from alembic_steward.runtime._revision_checksums import ChecksumRecorder
    from alembic_steward.runtime._stamp_differences import (
        rows_the_stamp_wrote,
        stamped_over_differences,
    )
    from alembic_steward.runtime._state_after_failure import version_heads

    heads = version_heads(connection)
    if repairs_a_run or stamped_over_differences(connection, heads):
        return set()
    return ChecksumRecorder(script).with_ancestors(heads) - rows_the_stamp_wrote(connection, heads)


def rows_above_both(
    connection: Connection, script: ScriptDirectory, before: tuple[str, ...]
) -> set[str]:
    """The revisions with a checksum row that the version table applied neither before the stamp
    (``before``) nor after it: rows an earlier stamp back kept, of work that ran here. A stamp
    that moved the version table keeps them, so the upgrade after it still refuses to run that
    work again, whichever way it moved (a stamp forward to a revision below them used to drop
    them, and the upgrade then ran their data steps a second time). Only a stamp at the
    revisions already recorded drops them: the refusal's way out once that work was undone."""
    from alembic_steward.runtime._revision_checksums import ChecksumRecorder, recorded_values
    from alembic_steward.runtime._state_after_failure import version_heads

    after = version_heads(connection)
    if set(after) == set(before):
        return set()
    applied = ChecksumRecorder(script)
    return (
        set(recorded_values(connection))
        - applied.with_ancestors(before)
        - applied.with_ancestors(after)
    )


def stopped_run(
    mark: Mark, script: ScriptDirectory, stamped: tuple[str, ...] | list[str] | None = None
) -> str:
    """The run whose ``mark`` a repair cleared, said for the way it went: the direction the mark
    records, else (an older release's mark) a guess: a stamp (``stamped``) below the mark
    finished a downgrade of it, and a mark no revision of this checkout follows was one
    (runtime/_half_applied_downgrades.py); else an upgrade after it."""
    from alembic_steward.runtime._half_applied_downgrades import downgrade_stopped_at
    from alembic_steward.runtime._mark_directions import DOWNGRADE

    unfinished = mark.after_revisions
    downgrading = f"the run that stopped at revision {unfinished}, downgrading it"
    if mark.direction is not None:
        return downgrading if mark.direction == DOWNGRADE else upgrading_run(unfinished)
    below: set[str] = set()
    if unfinished != "base":
        try:
            below = {each.revision for each in script.iterate_revisions(unfinished, "base")}
        except Exception:  # noqa: BLE001 - a revision this checkout lacks: said as before
            below = set()
    if stamped is not None and below and unfinished not in stamped and set(stamped) <= below:
        return downgrading
    if stamped is None and downgrade_stopped_at(unfinished, script):
        return downgrading
    return upgrading_run(unfinished)


def upgrading_run(unfinished: str) -> str:
    return f"the run that stopped after revision {unfinished}"


def status_hint() -> list[str]:
    """A stamp runs nothing and checks nothing: one ahead of what ran (stamp head on an older
    database) looks healthy to the next upgrade. `inv db.status` compares the schema with what
    the revision builds; `python -m app.migrations status` does so for tenants only, so for
    DATABASE_URL's own database none is named there."""
    from alembic_steward.runtime._advice import (
        bound_tenant_options,
        installed_service,
        tenant_status_command,
    )

    tenants = bound_tenant_options("--tenants")
    if installed_service() and not tenants:
        return []
    return [
        f"No migration ran: `{tenant_status_command(tenants)}` checks that the database is what"
        " that revision builds."
    ]


def clear_mark() -> list[str]:
    """Remove the mark a half-applied MySQL/MariaDB migration left, once it was undone by hand.

    Raises RepairRefused while a migration run holds the migration lock (the mark is its own),
    or while what the stopped run left is still there (the next upgrade would fail on it);
    DatabaseUnreachable when the database cannot be reached.
    """
    from alembic_steward.runtime._advice import advised
    from alembic_steward.runtime._half_applied_marks import records_half_applied_migrations
    from alembic_steward.runtime._lock import hold_migration_lock
    from alembic_steward.runtime._migration_lock_timeout import MigrationLockTimeout

    with repaired_engine() as engine, repair_connection(engine) as connection:
        if not records_half_applied_migrations(connection):
            name = DIALECT_NAMES.get(connection.dialect.name, connection.dialect.name)
            return [f"{name} rolls failed migrations back; there is no mark to clear."]
        # A run holding the lock owns the mark right now: clearing it would hide its outcome.
        try:
            with hold_migration_lock(connection, timeout=0):
                return cleared_once_undone(engine, connection)
        except MigrationLockTimeout as error:
            from alembic_steward.runtime._running_migration import KILLED_RUN

            holding = "" if error.holder.endswith(KILLED_RUN) else "; it holds the migration lock"
            raise RepairRefused(
                f"a migration run is in progress ({error.holder}{holding})"
                " and the mark is its own; nothing was cleared. Wait for it to end, then check"
                f" {advised('db.status', 'current')}"
            ) from None


def cleared_once_undone(engine: Engine, connection: Connection) -> list[str]:
    """Clear the mark, under the lock, unless what the stopped run left is still there."""
    from alembic_steward.inspection._database_state import read_half_applied_mark
    from alembic_steward.runtime._half_applied_marks import clear_half_applied_mark
    from alembic_steward.runtime._repair_targets import refuse_leftovers

    mark = read_half_applied_mark(connection)
    if mark is None:
        return ["No unfinished migration run was marked; nothing to clear."]
    compared = refuse_leftovers(connection, mark.direction)
    connection.rollback()  # the reads' transaction: the mark is cleared on a session of its own
    cleared = clear_half_applied_mark(engine)
    if cleared is None:  # cleared meanwhile by a stamp or another clear
        return ["No unfinished migration run was marked; nothing to clear."]
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    script = ScriptDirectory.from_config(build_alembic_config())
    return [
        f"Cleared the mark of {stopped_run(mark, script)}.",
        what_migrating_again_does(connection, compared, mark.direction),
    ]


@contextmanager
def repaired_engine() -> Iterator[Engine]:
    """An engine, of its own, on the database a repair acts on: the bound tenant's (its
    database, or its schema) or DATABASE_URL's; its waits are bounded as the tasks' are."""
    from sqlalchemy import create_engine, pool

    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._bounded_waits import bound_waits
    from alembic_steward.runtime._tenancy import bound_tenant_engine

    engine = bound_tenant_engine() or create_engine(
        get_settings().blocking_database_url, poolclass=pool.NullPool
    )
    try:
        yield bound_waits(engine)
    finally:
        engine.dispose()


@contextmanager
def repair_connection(engine: Engine) -> Iterator[Connection]:
    """Connect ``engine``; a server that refuses or never answers is one line saying so, and
    that nothing was changed (before any answer, such as "no mark to clear", is given)."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.runtime._connecting import unreachable

    try:
        connection = engine.connect()
    except DBAPIError as error:
        raise unreachable(error, engine.url, outcome="nothing was changed") from None
    with connection:
        yield connection


def what_migrating_again_does(
    connection: Connection, compared: str, direction: str | None = None
) -> str:
    """Say where the database stands now and that an upgrade reruns the next migration whole;
    ``compared`` says how the schema was found (as its revision builds it, or not compared).
    After a downgrade (``direction``, as the mark recorded it) no next migration ran: where
    the database stands, alone."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._advice import advised, bound_tenant_options
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._half_applied_marks import (
        describe_heads,
        following_revisions,
        stamp_command,
    )
    from alembic_steward.runtime._mark_directions import DOWNGRADE
    from alembic_steward.runtime._state_after_failure import version_heads

    at = describe_heads(version_heads(connection))
    following = following_revisions(at, ScriptDirectory.from_config(build_alembic_config()))
    if not following or direction == DOWNGRADE:
        return f"The database is still at {at} ({compared})."
    tenants = bound_tenant_options("--tenants")
    upgrade = advised(f"db.upgrade{tenants}", f"upgrade{tenants}")
    return (
        f"The database is still at {at} ({compared}), so {upgrade} runs"
        f" {', '.join(following)} again from its start: if you finished it by hand instead, run"
        f" {stamp_command(following)}."
    )
