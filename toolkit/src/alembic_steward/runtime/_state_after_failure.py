"""Read where a failed or interrupted migration run left the database, before saying so.

Every line about a run that stopped names the state the database is in, and that state is
read, never inferred: once the run's transaction has been rolled back, the version table is
read (on the run's connection, else on a new one; if neither works, the state is unknown and
the line says how to find it out). Where something may remain despite the rollback (a
migration that committed part of its work through ``autocommit_block()``, a ``COMMIT`` or its
driver connection, as the database tells (runtime/_step_transactions.py), or any migration on
MySQL/MariaDB, whose DDL commits at once), the live schema is compared with
what the recorded revision builds (inspection/_drift_sides.py ``leftovers``), and on
PostgreSQL the INVALID indexes a failed ``CREATE INDEX CONCURRENTLY`` leaves are named.

The reading happens in env.py's run (``migration_run``), so every entry point gets it: `inv`,
raw `alembic`, `python -m app.migrations` and start-up code. It travels on the exception.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_steward.runtime._failed_runs import FAILED_ON_SCRATCH
from alembic_steward.runtime._half_applied_marks import mark_table, records_half_applied_migrations
from alembic_steward.runtime._state_lines import STATE_ATTRIBUTE, StateAfterFailure

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.inspection._later_builds import MatchingBuild
    from alembic_steward.inspection._unrun_edits import UnrunEdit
    from alembic_steward.runtime._migration_frames import MigrationFrame
    from alembic_steward.runtime._own_commits import OwnCommits

__all__ = ["StateAfterFailure", "read_state_afresh", "state_read_after_failure"]


@contextmanager
def state_read_after_failure(
    connection: Connection,
    own_commits: OwnCommits,
    *,
    remember: bool = True,
    finished: Sequence[str] = (),
    downgrading: bool = False,
) -> Iterator[None]:
    """On a failure inside the block, end its transaction, read the state, attach it; with
    ``remember``, keep a failed upgrade for `inv db.status` (runtime/_failed_runs.py); without
    it (a scratch build), mark the error as the build's (FAILED_ON_SCRATCH). ``finished``: the
    revisions the run migrates, as it goes (read at the failure); ``downgrading``: it reverts them.

    A connection handed in already inside a transaction belongs to a caller who decides its
    fate: nothing is rolled back or read on it then.
    """
    from alembic_steward.inspection._run_leftovers import building as splitting_leftovers
    from alembic_steward.runtime._already_applied import AlreadyApplied
    from alembic_steward.runtime._cut_readings import note_cut_reading, note_run_steps
    from alembic_steward.runtime._irreversible_plans import IrreversibleDowngrade
    from alembic_steward.runtime._stamp_differences import StampedAhead
    from alembic_steward.runtime._stopped_downgrades import (
        empty_reverted,
        remember_stopped_downgrade,
    )

    callers_transaction = connection.in_transaction()
    try:
        yield
    except BaseException as error:
        if not remember:
            setattr(error, FAILED_ON_SCRATCH, True)
        # A signal that stops a scratch build (``remember`` off) ends the whole task: that
        # database is dropped unread, and comparing it would build yet another beside it.
        probe_stopped = not remember and not isinstance(error, Exception)
        # Refused before its first step, the run changed nothing: its line says where it is.
        refused = isinstance(error, (AlreadyApplied, StampedAhead, IrreversibleDowngrade))
        if not (callers_transaction or probe_stopped or refused or splitting_leftovers()):
            try:
                # What the run did as it went: a cut reading's line still warns of it.
                note_run_steps(error, tuple(finished), downgrading=downgrading)
                with quiet_alembic_log():
                    state = read_state(connection, error, own_commits)
                state = replace(
                    state,
                    finished=tuple(finished),
                    downgrading=downgrading,
                    stopped=not isinstance(error, Exception),
                    target=downgrade_target() if downgrading else "",
                )
                if downgrading and finished:
                    state = replace(state, emptied=empty_reverted(state.finished))
                state = with_downgrade_causes(state, error, connection if remember else None)
                setattr(error, STATE_ATTRIBUTE, state)
                tell_state(error, state)
                if remember:
                    remember_failed_upgrade(connection, error, state)
                    remember_stopped_downgrade(connection, state, error)
            except BaseException as cut:
                # A second signal: its line says what was read, or that nothing could be.
                note_cut_reading(cut, error)
                raise
        raise


def downgrade_target() -> str:
    """The revision the running downgrade goes to as the user gave it (`first`, `base`), where
    its line's "downgrade again" goes on to; "" for a relative step (`-1`), which counts from
    where it started, or when unknown."""
    import re

    from alembic_steward.runtime._env import destination

    try:
        target = destination()
    except Exception:  # noqa: BLE001 - unknown: the line names the reverted revision's parent
        return ""
    return target if isinstance(target, str) and re.fullmatch(r"\w+", target) else ""


def with_downgrade_causes(
    state: StateAfterFailure, error: BaseException, connection: Connection | None = None
) -> StateAfterFailure:
    """A failed downgrade(): what the run's earlier steps left, and whether its own code raised
    (runtime/_stopped_downgrades.py); refused by the database, how it does on a scratch
    database built at its revision, given the run's ``connection`` (runtime/_downgrade_trials.py);
    any other failure's state as it is."""
    from alembic_steward.runtime._migration_frames import migration_frame
    from alembic_steward.runtime._stopped_downgrades import left_by_reverted, raised_by_code

    try:
        frame = migration_frame(error)
    except Exception:  # noqa: BLE001 - no wiring: nothing to read the revisions from
        return state
    if frame is not None and frame.function == "upgrade":
        return with_upgrade_trial(state, frame, error, connection)
    if frame is None or frame.function != "downgrade":
        return state
    half_run = frame if state.marked else None  # what its own half ran is kept
    made = (
        left_by_reverted(state.leftovers or (), state.finished, half_run) if state.finished else ()
    )
    raised = raised_by_code(error)
    trial = None
    if connection is not None and not raised and isinstance(error, Exception):
        from alembic_steward.runtime._downgrade_trials import tried_downgrade

        with quiet_alembic_log(), outer_run_kept():
            trial = tried_downgrade(connection, frame, error)
        end_transaction(connection)
    # What this run's own earlier steps left may equal another revision's build: no stamp
    # made it, and the line names the step, not a stamp "ahead of what ran".
    own = {leftover.brief for leftover in made}
    built_by = None if made and own >= set(state.leftovers or ()) else state.built_by
    return replace(state, run_left=made, raised=raised, trial=trial, built_by=built_by)


def with_upgrade_trial(
    state: StateAfterFailure,
    frame: MigrationFrame,
    error: BaseException,
    connection: Connection | None,
) -> StateAfterFailure:
    """A failed upgrade() whose line advises undoing what remains and migrating again (MySQL/
    MariaDB's half-applied run, what a rollback left, a part it committed itself): how it does
    on a scratch database built at its parent (runtime/_downgrade_trials.py). Failing there the
    same way, its own code is wrong, and migrating again loops until it is fixed."""
    from alembic_steward.backfills import BackfillNotFinished

    advises_again = state.marked or bool(state.leftovers) or frame.revision in state.committed_by
    if connection is None or not isinstance(error, Exception) or not advises_again:
        return state
    if isinstance(error, BackfillNotFinished) or state.built_by:  # its rows; a wrong stamp
        return state
    from alembic_steward.runtime._downgrade_trials import tried_downgrade

    with quiet_alembic_log(), outer_run_kept():
        trial = tried_downgrade(connection, frame, error)
    end_transaction(connection)
    return replace(state, trial=trial)


def remember_failed_upgrade(
    connection: Connection, error: BaseException, state: StateAfterFailure
) -> None:
    """Keep an upgrade() that raised with where it left the database; one a signal stopped
    only when it had committed part of its work itself: its schema may then be all its build
    while its later steps never ran, and only this record keeps status from advising to stamp
    it (inspection/_later_builds.py ``without_failed_run``). Stopped with nothing committed,
    it was rolled back whole: running it again is the advice, and it need not fail again."""
    from alembic_steward.backfills import BackfillNotFinished
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._failed_runs import record_failed_upgrade
    from alembic_steward.runtime._migration_frames import migration_frame
    from alembic_steward.runtime._transient_errors import says_a_passing_condition

    if state.heads is None:
        return
    stopped = not isinstance(error, Exception)
    # A lock held by another session, a deadlock, a lost connection: the next run may well
    # pass, so it is no failure that "would fail the same way" (runtime/_failed_runs.py).
    if says_a_passing_condition(error):
        return
    try:
        frame = migration_frame(error)
    except Exception:  # noqa: BLE001 - no wiring: nothing to remember it by
        return
    if frame is None:
        frame = foreign_key_check_frame(error)
    if frame is None or frame.function != "upgrade":
        return
    if stopped and frame.revision not in state.committed_by:
        return
    named = getattr(error, "orig", None) or error  # a database error: the driver's, as its line
    reason = (
        f"stopped by {'SIGINT' if isinstance(error, KeyboardInterrupt) else 'a signal'}"
        if stopped
        else f"{type(named).__name__}: {error_reason(error)}"
    )
    backfill_refused = error if isinstance(error, BackfillNotFinished) else None
    with suppress(Exception):  # never in place of the run's own error
        # Neither a refusal (its rows are read again) nor a stop is predicted from the schema.
        schema = "" if backfill_refused or stopped else failed_schema(connection)
        record_failed_upgrade(
            connection.engine.url,
            frame.revision,
            reason,
            state.heads,
            frame.path,
            committed_part=frame.revision in state.committed_by,
            # A refusal by `require_backfill` lasts until its backfill has run.
            backfill=backfill_refused.backfill or "" if backfill_refused else "",
            finish_inline_up_to=backfill_refused.finish_inline_up_to or 0
            if backfill_refused
            else 0,
            stopped=stopped,
            schema=schema,
            blockers=state.hand_blockers,
            fault=state.trial.code_fault("upgrade") if state.trial else "",
        )


def foreign_key_check_frame(error: BaseException) -> MigrationFrame | None:
    """The upgrade() a SQLite foreign-key check refused after it ran (runtime/_transactions.py):
    raised from Alembic's callback, its traceback passes through no revision file."""
    from alembic_steward.runtime._migration_frames import MigrationFrame
    from alembic_steward.runtime._transactions import BrokenForeignKeys

    if not isinstance(error, BrokenForeignKeys) or not error.upgrade or not error.path:
        return None
    return MigrationFrame(Path(error.path), 0, "upgrade", {"revision": error.revision})


def failed_schema(connection: Connection) -> str:
    """The fingerprint of the schema the failed run left (runtime/_failed_runs.py), read on its
    connection once its transaction is over; "" when it cannot be read."""
    from alembic_steward.runtime._failed_runs import schema_fingerprint

    try:
        return schema_fingerprint(connection)
    except Exception:  # noqa: BLE001 - unread: status then cannot tell a changed schema
        return ""
    finally:
        end_transaction(connection)


def tell_state(error: BaseException, state: StateAfterFailure) -> None:
    """Put the state where raw `alembic` and start-up code show it: the message, or a note."""
    from alembic_steward.runtime._irreversible import IrreversibleMigration
    from alembic_steward.runtime._irreversible_plans import state_after_irreversible
    from alembic_steward.runtime._migration_frames import migration_frame
    from alembic_steward.runtime._own_commits import MigrationEndedItsTransaction

    try:
        frame = migration_frame(error)
    except Exception:  # noqa: BLE001 - no wiring: the exception goes on as it is
        return
    if frame is not None and isinstance(error, IrreversibleMigration):
        # A CommandError too: raw `alembic` prints its message as its one FAILED line.
        error.add_state(state_after_irreversible(state, frame))
        return
    if frame is None or frame.function not in ("upgrade", "downgrade"):
        return
    if isinstance(error, MigrationEndedItsTransaction):
        # A CommandError: raw `alembic` prints its message as its one FAILED line.
        error.add_state(state.after_step(frame))
    else:  # a traceback shows it under the error (runtime/_exception_notes.py)
        from alembic_steward.runtime._exception_notes import add_note

        add_note(error, f"alembic-steward: {state.after_step(frame)}")


def read_state(
    connection: Connection, error: BaseException, own_commits: OwnCommits
) -> StateAfterFailure:
    """Roll the run's transaction back, then read the version table and, if needed, the schema."""
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._migration_frames import migration_frame
    from alembic_steward.runtime._wrong_stamp_failures import (
        creates_what_exists,
        lacks_what_it_expects,
    )

    try:
        frame = migration_frame(error)
    except Exception:  # noqa: BLE001 - no wiring: nothing more to compare against
        frame = None
    in_migration = frame is not None and frame.function in ("upgrade", "downgrade")
    from alembic_steward.runtime._statement_stops import heads_read_afresh, stopped_statement

    running = stopped_statement(connection, error)
    if running:
        heads = heads_read_afresh(connection)
        unread = "" if heads is not None else "the version table could not be read"
        return StateAfterFailure(heads, unread, statement_running=running)
    own_commits.steps.before_rollback(connection, error)
    end_transaction(connection)
    transactional = not records_half_applied_migrations(connection)
    committed = frozenset(own_commits.revisions)
    if in_migration and committed_through_driver(connection, own_commits):
        committed |= {frame.revision}  # type: ignore[union-attr]
    try:
        heads = read_heads(connection)
    except Exception as unreadable:  # noqa: BLE001 - a server gone (a second Ctrl-C goes on)
        reason = error_reason(unreadable)
        return StateAfterFailure(None, unreadable=reason, transactional_ddl=transactional)
    marked = not transactional and mark_left(connection)
    rows_kept = rows_not_rolled_back(connection, error) if marked else ()
    rows_undone = marked and not rows_kept and rows_rolled_back(connection, error, frame, committed)
    marked = marked and not rows_undone
    # Compared after every failed migration, not only where this run committed part of one:
    # an earlier run's leftovers (or a hand change) also make "rolled back" untrue. But not
    # after a refusal by `require_backfill` that nothing outlives: it is about rows, and the
    # scratch database the comparison builds cost a refused tenant several times its run.
    compared = in_migration and not (frame and refused_whole(error, frame, committed, marked))
    # Where DDL cannot be rolled back, what the failed upgrade does not touch is told apart.
    # Told apart by building the stopped revision (never after a signal: _run_leftovers.py).
    upgrade_failed = frame and frame.function == "upgrade" and marked
    stopped = frame.revision if upgrade_failed and isinstance(error, Exception) else None
    # A half-run downgrade() too: what it does not touch, that its error names, stops it again.
    downgrade_half = frame and frame.function == "downgrade" and marked
    undone_to = frame.down_revision.split(", ") if downgrade_half else None
    named_by = str(error) if (stopped or downgrade_half) and isinstance(error, Exception) else ""
    found, why, built_by, hand_made, enum_values, unrun_edit, blockers = (
        compared_schema(
            connection,
            list(heads),
            search_later=creates_what_exists(error),
            search_earlier=lacks_what_it_expects(error),
            stopped=stopped,
            error_text=named_by,
            undone_to=undone_to,
        )
        if compared
        else (None, "", None, (), (), None, ())
    )
    if frame is not None and frame.function == "upgrade" and frame.revision in committed:
        from alembic_steward.inspection._later_builds import without_failed_run

        # What it committed may be its whole schema, not its work: never advise stamping it.
        built_by = without_failed_run(built_by, frame.revision)
    return StateAfterFailure(
        heads,
        "",
        transactional,
        committed,
        found,
        why,
        marked,
        built_by,
        hand_made=hand_made,
        hand_blockers=blockers,
        rows_undone=rows_undone,
        rows_kept=rows_kept,
        enum_values=enum_values,
        unrun_edit=unrun_edit,
    )


def refused_whole(
    error: BaseException, frame: MigrationFrame, committed: frozenset[str], marked: bool
) -> bool:
    """Whether ``error`` is `require_backfill` refusing ``frame``'s migration, with nothing of
    it left after the rollback: it committed nothing itself, and (MySQL/MariaDB) no statement
    of it changed the schema (no half-applied mark)."""
    from alembic_steward.backfills import BackfillNotFinished

    return isinstance(error, BackfillNotFinished) and frame.revision not in committed and not marked


def rows_rolled_back(
    connection: Connection,
    error: BaseException,
    frame: MigrationFrame | None,
    committed: frozenset[str],
) -> bool:
    """MySQL/MariaDB: whether the failed migration had sent row changes only (no DDL, no
    COMMIT) and had not committed them itself (read from the database): the rollback undid
    them, and this run's half-applied mark, which would block the next run, is taken away."""
    from alembic_steward.runtime._half_applied_marks import ROWS_ONLY, clear_half_applied_mark

    if not getattr(error, ROWS_ONLY, False) or frame is None or frame.revision in committed:
        return False
    try:
        clear_half_applied_mark(connection.engine)
    except Exception:  # noqa: BLE001 - the mark stays, and says so
        return False
    return True


def rows_not_rolled_back(connection: Connection, error: BaseException) -> tuple[str, ...]:
    """MySQL/MariaDB, a migration that had sent row changes only: the tables they name whose
    engine does not roll back (MyISAM), or ("tables not read",) when that could not be read."""
    from alembic_steward.runtime._half_applied_marks import ROWS_ONLY
    from alembic_steward.runtime._kept_rows import ENGINES_UNREAD, tables_keeping_rows

    statements = getattr(error, ROWS_ONLY, ())
    if not statements:
        return ()
    try:
        return tables_keeping_rows(connection, statements)
    except Exception:  # noqa: BLE001 - unread: never said rolled back, the mark stays
        return (ENGINES_UNREAD,)


def committed_through_driver(connection: Connection, own_commits: OwnCommits) -> bool:
    """Ask the database whether the failed migration had committed its transaction itself."""
    try:
        return own_commits.steps.committed_itself(connection)
    except Exception:  # noqa: BLE001 - unreadable: the schema comparison still says what remains
        return False


def end_transaction(connection: Connection) -> None:
    """Roll back whatever the run left open, even where SQLAlchemy lost track of it."""
    # A broken connection raises here: reading the version table says so next. SQLite: the
    # stop signal's interrupt (runtime/_sqlite_interrupts.py) comes from another thread and may
    # land on this very rollback; the transaction is then still open, its lock held, and every
    # other connection reads "database is locked": rolled back once more (it lands once).
    for _ in range(3):
        with suppress(Exception):
            connection.rollback()
        with suppress(Exception):
            # A refused commit() leaves SQLAlchemy's transaction inactive, the driver's open.
            connection.connection.rollback()
        if not driver_in_transaction(connection):
            return


def driver_in_transaction(connection: Connection) -> bool:
    """Whether the driver's own connection still has a transaction open (sqlite3 says; others
    are taken as closed: their rollback is not interrupted from another thread)."""
    try:
        return getattr(connection.connection.dbapi_connection, "in_transaction", False) is True
    except Exception:  # noqa: BLE001 - a closed or broken connection has none open
        return False


def read_heads(connection: Connection) -> tuple[str, ...]:
    """The version table's rows: on the run's connection, else on a new one (it may be dead)."""
    for attempt in range(2):
        try:
            heads = version_heads(connection)
            end_transaction(connection)
            return heads
        except Exception as error:  # noqa: BLE001 - the run's connection may be what failed
            # SQLite: a stop signal's interrupt from another thread may land on this read once.
            if attempt or "interrupted" not in str(error):
                break
            end_transaction(connection)
    with connection.engine.connect() as fresh:
        return version_heads(fresh)


def version_heads(connection: Connection) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    from alembic_steward._wiring import WiringError, active_steward
    from alembic_steward.runtime._tenancy import tenant_context_options

    named = ("version_table", "version_table_schema")
    try:
        wired = active_steward().context_options
    except WiringError:
        # Read outside a service's process (the checksum readers used as a library): Alembic's
        # own version table, as a MigrationContext configured without options reads.
        wired = {}
    options = {k: v for k, v in wired.items() if k in named}
    options = {**tenant_context_options(), **options}
    return tuple(MigrationContext.configure(connection, opts=options).get_current_heads())


def mark_left(connection: Connection) -> bool:
    """Tell whether a MySQL/MariaDB run's half-applied mark is there (read, not assumed)."""
    from sqlalchemy import select

    try:
        with connection.engine.connect() as marks:
            return marks.scalar(select(mark_table.c.after_revisions)) is not None
    except Exception:  # noqa: BLE001 - unreadable: say what any half-applied run would
        return True


def compared_schema(
    connection: Connection,
    heads: list[str],
    *,
    search_later: bool = True,
    search_earlier: bool = False,
    stopped: str | None = None,
    error_text: str = "",
    undone_to: list[str] | None = None,
) -> tuple[
    tuple[str, ...] | None,
    str,
    MatchingBuild | None,
    tuple[str, ...],
    tuple[str, ...],
    UnrunEdit | None,
    tuple[str, ...],
]:
    """What remains beyond what ``heads`` build (PostgreSQL: INVALID indexes too), or why not;
    with ``search_later`` (``search_earlier``), the later (earlier) revision whose build the
    schema exactly is (inspection/_later_builds.py); and, given the ``stopped`` upgrade, the
    differences it does not touch, left out of the first (inspection/_run_leftovers.py); and
    the enum values among what remains (inspection/_enum_values.py); and the edit of an
    applied revision they all are (inspection/_unrun_edits.py), if they are; and the statements
    dropping the hand-made objects the stopped statement's ``error_text`` names
    (inspection/_blocking_hand_objects.py), among those the stopped upgrade, or the half-run
    downgrade() going to ``undone_to``, does not touch. Never after a signal: the later search
    runs the later revisions on the scratch database, the one a user just stopped among them
    (a sleep, a long data migration), and a stop must end the command, not start that again."""
    from alembic_steward.inspection._blocking_hand_objects import blocking_drops
    from alembic_steward.inspection._enum_values import enum_values_added
    from alembic_steward.inspection._gone_before_run import gone_before
    from alembic_steward.inspection._run_leftovers import split_by_run
    from alembic_steward.runtime._driver_errors import error_reason

    hand_made: list = []
    blockers: tuple[str, ...] = ()
    edit = None
    try:
        with outer_run_kept():
            found, built_by, edit = edit_before_search(
                connection, list(heads), later=search_later, earlier=search_earlier
            )
            if found and stopped and not built_by and not edit:
                found, hand_made = split_by_run(connection, found, list(heads), [stopped])
                blockers = blocking_drops(connection, hand_made, error_text)
            if found and undone_to and error_text and not built_by and not edit:
                _ran, untouched = split_by_run(connection, found, undone_to, list(heads))
                blockers = blocking_drops(connection, untouched, error_text)
            if found and not built_by and not edit:
                edit = edit_of(connection, list(heads), found)
        invalid = invalid_indexes(connection)
        end_transaction(connection)
    except Exception as error:  # noqa: BLE001 - an answer without the comparison is still true
        return None, error_reason(error), None, (), (), None, ()
    if found is None:
        return None, "no scratch database could be built to compare with", None, (), (), None, ()
    # What the failed statement could not drop, as it was not there, was gone before the run.
    gone = gone_before(found, error_text) if stopped else []
    briefs = tuple(
        f"{difference.brief()} (gone before the run: {stopped}'s failed statement could not"
        " drop it)"
        if difference in gone
        else difference.brief()
        for difference in found
    )
    by_hand = tuple(difference.brief() for difference in hand_made)
    invalid_briefs = tuple(f"INVALID index {name}" for name in invalid)
    values = tuple(enum_values_added(found))
    # An INVALID index is a failed run's, never an edit's.
    edit = edit if not invalid else None
    return briefs + invalid_briefs, "", built_by, by_hand, values, edit, blockers


def edit_before_search(
    connection: Connection, heads: list[str], *, later: bool, earlier: bool
) -> tuple[list | None, MatchingBuild | None, UnrunEdit | None]:
    """(the differences from what ``heads`` build, the later or earlier revision whose build
    the database exactly is, the applied revision's edit they all are), the edit first.

    A database lacking only what an edit adds may equal another revision's build exactly (r2
    adds a table, r3, edited to build u too, drops it: it holds what r1 builds). Searched
    first, that build would advise a stamp the edit does not need, whose rows (kept by a stamp
    back) the upgrade then refuses; status puts the edit first, and so does this. Where an
    applied revision is edited, the differences are read without a search, once, and searched
    (a second scratch build) only when the edit is not all of them."""
    from alembic_steward.inspection._revision_comparison import leftovers_and_matching_build

    built = heads or ["base"]
    if (later or earlier) and applied_edits_of(connection, heads):
        found, _ = leftovers_and_matching_build(connection, built, later=False, earlier=False)
        edit = edit_of(connection, heads, found) if found else None
        if edit or not found:
            return found, None, edit
    found, built_by = leftovers_and_matching_build(connection, built, later=later, earlier=earlier)
    return found, built_by, None


def applied_edits_of(connection: Connection, heads: list[str]) -> bool:
    """Whether an applied revision's file was edited since it ran here (unread: no)."""
    from alembic_steward.inspection._unrun_edits import failed_run_edits

    try:
        return bool(failed_run_edits(connection, heads))
    except Exception:  # noqa: BLE001 - unread: the search runs, as before
        end_transaction(connection)  # a failed read must not leave PostgreSQL's aborted
        return False


def edit_of(connection: Connection, heads: list[str], found: list) -> UnrunEdit | None:
    """The applied revision's edit ``found`` all are (inspection/_unrun_edits.py), or None."""
    from alembic_steward.inspection._unrun_edits import failed_run_edit

    try:
        return failed_run_edit(connection, heads, found)
    except Exception:  # noqa: BLE001 - unread: the differences are still told, as before
        end_transaction(connection)  # a failed read must not leave PostgreSQL's aborted
        return None


def invalid_indexes(connection: Connection) -> list[str]:
    """PostgreSQL indexes a failed `CREATE INDEX CONCURRENTLY` left INVALID (pg_index)."""
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.exec_driver_sql(
        "SELECT index_class.relname FROM pg_index"
        " JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid"
        " JOIN pg_namespace ON pg_namespace.oid = index_class.relnamespace"
        " WHERE NOT pg_index.indisvalid AND pg_namespace.nspname = current_schema()"
        " ORDER BY 1"
    )
    return [row[0] for row in rows]


@contextmanager
def quiet_alembic_log() -> Iterator[None]:
    """Keep Alembic's INFO lines out while the state is read: they would read as more steps."""
    logger = logging.getLogger("alembic")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def outer_run_kept() -> Iterator[None]:
    """Let a scratch build run Alembic inside the failing run, and leave that run as it was.

    Alembic's ``context`` and ``op`` are module globals: the nested run replaces them and
    deletes them when it ends, which would break the failing run's own exit.
    """
    import alembic.context
    import alembic.op

    saved = [getattr(module, "_proxy", None) for module in (alembic.context, alembic.op)]
    try:
        yield
    finally:
        for proxy in saved:
            if proxy is not None:
                proxy._install_proxy()


def read_state_afresh() -> StateAfterFailure:
    """Read the version table on a new connection of the app's, once a run has ended."""
    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._tenancy import bound_tenant_engine

    # A tenant's run reads the tenant's version table, not the app's database's.
    tenant_engine = bound_tenant_engine()
    try:
        with (tenant_engine or get_blocking_engine()).connect() as connection:
            return StateAfterFailure(version_heads(connection))
    except Exception as error:  # noqa: BLE001 - the line then says the state is unknown
        return StateAfterFailure(None, unreadable=error_reason(error))
    finally:
        if tenant_engine is not None:
            tenant_engine.dispose()
