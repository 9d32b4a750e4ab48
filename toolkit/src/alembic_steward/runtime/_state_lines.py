"""Say where a stopped migration run left the database, from what was read afterwards.

The reading is runtime/_state_after_failure.py's; this is its wording, one sentence per case:
rolled back, or what remains (read from the schema), or, where nothing could be read, that the
state is unknown and how to find it out. "Still at X" only when the version table says X.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alembic_steward.runtime._downgrade_trials import FAILS
from alembic_steward.runtime._half_applied_marks import (
    clear_command,
    describe_heads,
    stamp_command,
)
from alembic_steward.runtime._hand_repairs import repair_by_hand

if TYPE_CHECKING:
    from alembic_steward.inspection._later_builds import MatchingBuild
    from alembic_steward.inspection._unrun_edits import UnrunEdit
    from alembic_steward.runtime._downgrade_trials import DowngradeTrial
    from alembic_steward.runtime._migration_frames import MigrationFrame
    from alembic_steward.runtime._stopped_downgrades import RunLeftover

# The attribute a run's exception carries its StateAfterFailure in.
STATE_ATTRIBUTE = "alembic_steward_state"
UNKNOWN = (
    "the state the database was left in is unknown: its version table could not be read"
    " after the failure ({reason}); once the database can be reached, {status} shows"
    " where it stands"
)
# The ways a migration commits itself: the events see the first two, the database the third.
OWN_COMMITS = "autocommit_block(), a COMMIT, or commit() on its driver connection"
COMMITTED_PART = "{revision} had committed part of its work itself (" + OWN_COMMITS + ")"
# What a migration that committed itself may have left beside its schema: rows are data, which
# the comparison never reads (after a COMMIT, pysqlite runs the next statements outside any
# transaction, so even rows changed after it stay).
ROWS_UNREAD = "the rows its statements changed were not read: they may remain"
# How a difference in an enum type's values is told (Difference.brief).
ENUM_VALUES = "different enum type "


@dataclass(frozen=True)
class StateAfterFailure:
    """What a stopped run left, as read from the database once its transaction was over."""

    # The version table's rows; None when it could not be read (``unreadable`` says why).
    heads: tuple[str, ...] | None
    unreadable: str = ""
    # Whether the database rolls DDL back (not MySQL/MariaDB).
    transactional_ddl: bool = True
    # Revisions whose own code committed during the run (autocommit_block(), COMMIT, or the
    # driver connection's commit(), as the database tells after the failure).
    committed_by: frozenset[str] = frozenset()
    # How the schema differs from what ``heads`` build; None: not compared (``not_compared``).
    leftovers: tuple[str, ...] | None = None
    not_compared: str = ""
    # MySQL/MariaDB: whether the run's half-applied mark is still there (it sent changes).
    marked: bool = False
    # With leftovers: the later (or earlier) revision whose build the schema exactly is (it was
    # stamped at the wrong revision: inspection/_later_builds.py).
    built_by: MatchingBuild | None = None
    # MySQL/MariaDB after a signal: why the run's statement may still be running on the server
    # (runtime/_statement_stops.py); the schema is then not described, as it may still change.
    statement_running: str = ""
    # MySQL/MariaDB, beside ``leftovers``: the differences the failed upgrade does not touch
    # (made by hand before it: inspection/_run_leftovers.py).
    hand_made: tuple[str, ...] = ()
    # Among ``hand_made``'s objects, the statements dropping those the failed statement's error
    # names (inspection/_blocking_hand_objects.py): what stopped it, which must go first.
    hand_blockers: tuple[str, ...] = ()
    # MySQL/MariaDB: the migration had changed rows only, and the rollback undid them.
    rows_undone: bool = False
    # MySQL/MariaDB: the migration had changed rows only, with statements naming these tables,
    # whose engine does not roll back (`counts (MyISAM)`: runtime/_kept_rows.py).
    rows_kept: tuple[str, ...] = ()
    # PostgreSQL, among ``leftovers``: enum values (`mood 'meh'`) no hand change can undo.
    enum_values: tuple[str, ...] = ()
    # With leftovers: the edit of an applied revision they all are, which never ran here
    # (inspection/_unrun_edits.py), not something an earlier run or a hand left.
    unrun_edit: UnrunEdit | None = None
    # The revisions the run had migrated before the failure, in order (each its own commit).
    finished: tuple[str, ...] = ()
    # Whether the run was a downgrade (its finished revisions were reverted, not applied).
    downgrading: bool = False
    # A failed downgrade(): what the downgrades of ``finished`` left among ``leftovers``, and
    # the type of the error its own code raised ("" for the database's, or a signal), which
    # running it again raises again (runtime/_stopped_downgrades.py).
    run_left: tuple[RunLeftover, ...] = ()
    raised: str = ""
    # A downgrade: those of ``finished`` whose downgrade() is empty, so reverting them undid
    # nothing (runtime/_empty_downgrades.py), as a finished downgrade warns.
    emptied: tuple[str, ...] = ()
    # A signal stopped the run (not a failure); and a downgrade's target as the user gave it
    # (`-r first`; "" when relative or unknown), where "downgrade again" goes on to.
    stopped: bool = False
    target: str = ""
    # A downgrade() the database refused: how it did on a scratch database built at its
    # revision (runtime/_downgrade_trials.py), which tells its code's fault from the database's.
    trial: DowngradeTrial | None = None

    @property
    def at(self) -> str:
        return describe_heads(self.heads or ())

    def where(self, before: str, *, moved: bool = False) -> str:
        """`still at X` only when the version table says the revision the run started from
        (``before``; ``moved``: the run had finished earlier steps, so it is not "still")."""
        if not moved and sorted(before.split(", ")) == sorted(self.at.split(", ")):
            return f"the database is still at {self.at}"
        after = "stop" if self.stopped else "failure"
        return f"the database is at {self.at} (its version table, read after the {after})"

    def remains(self) -> str:
        return ", ".join(self.leftovers or ())

    def undo_remains(self) -> str:
        """What to do with what remains: undo it by hand, but for enum values, which
        PostgreSQL cannot drop: those a revision runs through (`db.status`'s advice)."""
        if not self.enum_values:
            return f"{repair_by_hand(self.leftovers or ())}, then migrate again"
        from alembic_steward.inspection._enum_value_revision import run_through_advice

        others = [line for line in self.leftovers or () if not line.startswith(ENUM_VALUES)]
        undo = "undo the others by hand; " if others else ""
        named = ", ".join(self.enum_values)
        return f"{undo}enum value(s) {named} stay: {run_through_advice(self.enum_values)}"

    def left_by(self, frame: MigrationFrame | None = None) -> str:
        """What remains, where it came from, and what to do about it (``frame``: the failed
        migration, whose downgrade is never run again by "migrate again")."""
        if self.unrun_edit:
            return (
                f"{self.remains()} ({self.unrun_edit.cause()});"
                f" {self.unrun_edit.ways_on('migrate again')}"
            )
        if frame is not None and frame.function == "downgrade" and not self.enum_values:
            return self.left_by_downgrade(frame)
        return f"{self.remains()} (left by an earlier run or by hand); {self.undo_remains()}"

    def left_by_downgrade(self, frame: MigrationFrame) -> str:
        """What remains after a failed downgrade(): what this run's earlier steps left, named
        as theirs, the rest as older; undone by hand, then the way on that works."""
        from alembic_steward.runtime._stopped_downgrades import (
            again_after_undo,
            makers_to_fix,
            own_leftovers,
        )

        own = {leftover.brief for leftover in self.run_left}
        others = [brief for brief in self.leftovers or () if brief not in own]
        said = [own_leftovers(self.run_left)] if self.run_left else []
        if others:
            said.append(f"{', '.join(others)} (left by an earlier run or by hand)")
        parent = self.target or frame.down_revision
        again = again_after_undo(frame.revision, parent, self.raised, self.trial)
        repair = repair_by_hand(self.leftovers or ())
        blame = self.trial.blame() if self.trial else ""
        return f"{'; '.join(said)}; {blame}{repair}{makers_to_fix(self.run_left)}; {again}"

    def go_on(self, frame: MigrationFrame) -> str:
        """After a stopped downgrade that changed nothing: the command that goes on to the
        target the user gave (its parent when that is not known); "" for anything else."""
        from alembic_steward.runtime._half_applied_marks import downgrade_again

        if not self.stopped or frame.function != "downgrade":
            return ""
        return f"; to go on, {downgrade_again(self.target or frame.down_revision)}"

    def nothing_ran_ways(self, frame: MigrationFrame) -> str:
        """After a downgrade() that changed nothing: the ways on when its own code raised."""
        from alembic_steward.runtime._stopped_downgrades import nothing_ran_ways

        if frame.function != "downgrade":
            return ""
        if self.trial is not None:
            return self.trial.nothing_left_ways(self.target or frame.down_revision)
        return nothing_ran_ways(frame.revision, frame.down_revision, self.raised)

    def stamped(self, frame: MigrationFrame | None = None) -> str:
        """The differences, then that the schema is exactly what another revision builds; after
        ``frame``'s downgrade(), when that revision is where it goes, that it is done."""
        from alembic_steward.inspection._later_builds import stamped_wrongly

        if frame is not None and self.built_by is not None:
            done = self.downgrade_done(frame)
            if done:
                return f"{self.remains()}; {done}"
        return f"{self.remains()}; {stamped_wrongly(self.built_by)}"

    def downgrade_done(self, frame: MigrationFrame) -> str:
        """After ``frame``'s downgrade() stopped, a schema that is exactly its parent's build:
        what it had left was done already (by hand, before the run), so the downgrade is
        recorded with a stamp there. "Stamped ahead ... then upgrade" would run it again."""
        from alembic_steward.inspection._recorded_runs import stamped_revision
        from alembic_steward.runtime._half_applied_marks import stamp_command

        if frame.function != "downgrade" or self.built_by is None:
            return ""
        revision = stamped_revision(self.built_by)
        if revision is None or revision != frame.down_revision:
            return ""
        return (
            f"the database holds exactly what revision {revision} builds, where"
            f" {frame.revision}'s downgrade() goes: what it had left to do was done already (by"
            f" hand, before this run); record that with {stamp_command([revision])}"
        )

    def after_step(self, frame: MigrationFrame) -> str:
        """The state after ``frame``'s migration stopped, first naming what the run had reverted
        before a downgrade() that failed: those steps committed one by one and stay reverted,
        as the version table, read at that revision, says (an upgrade's line says where the
        database is, which is where its earlier steps left it)."""
        finished = self.finished
        reverting = frame.function == "downgrade" and bool(finished)
        if not reverting or self.heads is None or frame.revision not in self.heads:
            return self.after_migration(frame) + self.rolled_back_fault(frame)
        return (
            f"{self.reverted_before('it')}{self.empty_reverts()};"
            f" {frame.revision}'s downgrade(): {self.after_migration(frame, moved=True)}"
        )

    def after_migration(self, frame: MigrationFrame, *, moved: bool = False) -> str:
        """The state after ``frame``'s migration failed or was interrupted, and what to do
        (``moved``: the run had finished steps before it)."""
        if self.statement_running:
            return self.still_running(frame.revision)
        if self.heads is None:
            return unknown_line(self.unreadable)
        upgrading = frame.function == "upgrade"
        where = self.where(frame.down_revision if upgrading else frame.revision, moved=moved)
        if not self.transactional_ddl:
            return self.half_applied(frame, where)
        if frame.revision not in self.committed_by:
            if not self.leftovers:  # none, or not compared: the rollback undid all it did
                return f"rolled back; {where}{self.nothing_ran_ways(frame)}{self.go_on(frame)}"
            if self.built_by:
                differs = f"differs from what {self.at} builds"
                return f"rolled back, but {where} and {differs}: {self.stamped(frame)}"
            return (
                f"rolled back, but {where} and differs from what {self.at} builds by:"
                f" {self.left_by(frame)}"
            )
        committed = COMMITTED_PART.format(revision=frame.revision)
        if self.leftovers is None:
            return (
                f"{committed}, so some of it may remain: {where}, but could not be compared"
                f" with what {self.at} builds ({self.not_compared}), and {ROWS_UNREAD};"
                f" compare its schema and rows with {frame.revision}'s {frame.function}(),"
                " undo what remains by hand, then migrate again"
            )
        if not self.leftovers:
            return (
                f"{committed}: no schema change of it remains ({where}, as {self.at} builds"
                f" it), but {ROWS_UNREAD}; check them against {frame.revision}'s"
                f" {frame.function}() and undo what remains by hand, then migrate again"
            )
        if self.built_by:
            return (
                f"{committed}: {where}, and differs from what {self.at} builds:"
                f" {self.stamped()}; {ROWS_UNREAD}"
            )
        return (
            f"{committed}, so not all of it was rolled back: {where}, and differs from what"
            f" {self.at} builds by: {self.remains()}, and {ROWS_UNREAD}; {self.undo_remains()}"
        )

    def rolled_back_fault(self, frame: MigrationFrame) -> str:
        """`; r2's upgrade() fails the same way on a scratch database built at r1 ...` after a
        line where DDL is rolled back, when its own code failed the trial (MySQL/MariaDB's
        half-applied line says it before its ways on); "" otherwise."""
        if not self.transactional_ddl or not self.trial or self.statement_running:
            return ""
        fault = self.trial.code_fault(frame.function) if frame.function == "upgrade" else ""
        return f"; {fault}" if fault else ""

    def nothing_changed(self, frame: MigrationFrame, where: str) -> str:
        """MySQL/MariaDB, a migration that changed nothing (it stopped before its first change,
        or the server refused that): what differs is older than it, as after a rollback."""
        nothing = f"{frame.revision} had changed nothing when it stopped"
        if self.rows_undone:
            nothing = (
                f"rolled back: {frame.revision} had changed rows only, which the rollback undid"
                " (it sent no DDL, which MySQL/MariaDB would have committed them with)"
            )
        if not self.leftovers:
            return f"{nothing}; {where}{self.nothing_ran_ways(frame)}{self.go_on(frame)}"
        differs = f"{where} and differs from what {self.at} builds"
        if self.built_by:
            return f"{nothing}, but {differs}: {self.stamped(frame)}"
        if self.unrun_edit or frame.function == "downgrade":
            return f"{nothing}, but {differs} by: {self.left_by(frame)}"
        return (
            f"{nothing}, but {differs} by: {self.remains()} (left by an earlier run or by hand);"
            f" {repair_by_hand(self.leftovers or ())}, then migrate again"
        )

    def half_applied(self, frame: MigrationFrame, where: str) -> str:
        """MySQL/MariaDB: what the migration left, read, and the two ways on."""
        from alembic_steward.runtime._stopped_downgrades import again_after_undo

        committed_itself = frame.revision in self.committed_by
        if not self.marked and not committed_itself:
            return self.nothing_changed(frame, where)
        upgrading = frame.function == "upgrade"
        finished = frame.revision if upgrading else frame.down_revision
        rows = "rows it changed before a DDL statement were committed with it"
        if committed_itself:
            rows = (
                "rows it changed before a DDL statement or before its own commit"
                f" ({OWN_COMMITS}) were committed"
            )
        # A downgrade undone by hand is back at what its revision builds: the way on is that
        # downgrade again, never "migrate", which reads as the upgrade.
        parent = self.target or frame.down_revision
        drop_first = self.drop_blockers_first()
        undone = (
            f"if you undo it, {drop_first}run {clear_command()} and migrate again"
            if upgrading
            else f"if you undo it (back to what {frame.revision} builds), {drop_first}run"
            f" {clear_command()},"
            f" {again_after_undo(frame.revision, parent, self.raised, self.trial)}"
        )
        fault = self.trial.code_fault("upgrade") if self.trial and upgrading else ""
        fix = f"{fault}; then, " if fault else ""
        ways_on = (
            f"{rows}; {fix}if you finish it by hand, record that with"
            f" {stamp_command(finished.split(', '))}; {undone}"
        )
        if self.rows_kept:
            return self.rows_not_undone(frame, where, ways_on.partition("; ")[2])
        cannot = "MySQL/MariaDB cannot roll DDL back"
        # Whose half ran: the revision's upgrade, or its downgrade (the revision stays applied).
        half = f"{frame.revision}" if upgrading else f"{frame.revision}'s downgrade()"
        if self.leftovers is None:
            if not upgrading:
                return f"{cannot}; {half} may have half run ({where}); {ways_on}"
            return f"{cannot}; {half} may be half-applied ({where}); {ways_on}"
        by_hand = self.by_hand(frame.revision)
        if not self.leftovers:
            as_built = f"as {self.at} builds it" + (f" but for {by_hand}" if by_hand else "")
            return (
                f"{cannot}, but none of {frame.revision}'s schema changes remain: {where},"
                f" {as_built}; {ways_on}"
            )
        if self.built_by:
            trial = self.trial
            fault = f"; {trial.fix_first()}" if trial and trial.verdict == FAILS else ""
            differs = f"differs from what {self.at} builds"
            return f"{cannot}: {where}, and {differs}: {self.stamped(frame)}{fault}"
        stays = self.blockers_named() or ", which can stay"
        also = f" (and by {by_hand}{stays})" if by_hand else ""
        if not upgrading and self.hand_blockers:
            also += (
                f"; the failed statement's error names what {frame.revision}'s downgrade() does"
                f" not touch, which stops it the same way again while it is there ({self.drops()})"
            )
        halfway = f"{half} is half-applied" if upgrading else f"{half} half ran"
        from alembic_steward.runtime._dropped_values import dropped_values

        return (
            f"{cannot}; {halfway}: {where}, and differs from what {self.at} builds by:"
            f" {self.remains_traced()}{also}{dropped_values(self.leftovers)}; {ways_on}"
        )

    def remains_traced(self) -> str:
        """:meth:`remains`, what this run's earlier steps left (``run_left``: a reverted
        revision's empty downgrade()) named as theirs, after the rest."""
        if not self.run_left:
            return self.remains()
        from alembic_steward.runtime._stopped_downgrades import own_leftovers

        own = {leftover.brief for leftover in self.run_left}
        others = [brief for brief in self.leftovers or () if brief not in own]
        return "; ".join([*([", ".join(others)] if others else []), own_leftovers(self.run_left)])

    def rows_not_undone(self, frame: MigrationFrame, where: str, ways_on: str) -> str:
        """MySQL/MariaDB, a migration that changed rows only, some in a table whose engine
        (MyISAM) does not roll back: never "rolled back", and the run stays marked."""
        from alembic_steward.runtime._kept_rows import ENGINES_UNREAD

        kept = (
            "whether the rollback undid them is not known: the engines of their tables could"
            " not be read"
            if self.rows_kept == (ENGINES_UNREAD,)
            else f"its statements name table(s) {', '.join(self.rows_kept)}, whose engine does"
            " not roll back, so what they changed there remains (the rest was rolled back)"
        )
        differs = f", and differs from what {self.at} builds by: {self.remains()}"
        return (
            f"not all rolled back: {frame.revision} had changed rows only (no DDL), and {kept}:"
            f" {where}{differs if self.leftovers else ''}; {ways_on}"
        )

    def blockers_named(self) -> str:
        """`, but the failed statement's error names ...`: why a hand-made difference cannot
        stay; "" when the error names none of them."""
        if not self.hand_blockers:
            return ""
        return (
            ", but the failed statement's error names it: it stops the upgrade, which fails"
            f" the same way again while it is there ({self.drops()})"
        )

    def drop_blockers_first(self) -> str:
        """`drop it first (...), then `, before "run the clearing command"; "" without."""
        return f"drop by hand first {self.drops()}, then " if self.hand_blockers else ""

    def drops(self) -> str:
        """The blockers' drop statements, quoted: `` `ALTER TABLE t DROP FOREIGN KEY fk` ``."""
        return ", ".join(f"`{statement}`" for statement in self.hand_blockers)

    def by_hand(self, revision: str) -> str:
        """`unexpected trigger notes.bump, which r2 does not touch: made by hand, not left by
        the failed run`, or "" when every difference may be the run's."""
        if not self.hand_made:
            return ""
        return (
            f"{', '.join(self.hand_made)}, which {revision} does not touch: made by hand, not"
            " left by the failed run"
        )

    def still_running(self, revision: str) -> str:
        """The run's statement may still be changing the schema: say so, and wait (status's 13)."""
        from alembic_steward.runtime._advice import advised

        so_far = f"so far the database is at {self.at}; " if self.heads is not None else ""
        return (
            f"{revision}'s statement may still be running on the server"
            f" ({self.statement_running}), so what it leaves is not known yet; {so_far}wait for"
            f" it to end, then check with {advised('db.status', 'current')}"
        )

    def after_run(self, *, started: bool = True) -> str:
        """The state after a run stopped outside any one migration's code (``started``: a
        migration had begun on the database in this process)."""
        if self.statement_running:
            return self.still_running("the migration")
        if self.heads is None:
            return unknown_line(self.unreadable)
        if not self.downgrading and not started:
            return (
                f"no migration had started: the database is at {self.at} (its version table,"
                " read after the stop)"
            )
        if not self.downgrading:
            return f"each finished migration stays applied: the database is at {self.at}"
        if not self.finished:
            return f"no revision had been reverted: the database is at {self.at}"
        return (
            f"{self.reverted_before('the stop')}: the database is at {self.at} (its version"
            f" table, read after the stop){self.empty_reverts()}"
        )

    def reverted_before(self, what: str) -> str:
        """`this run had reverted r3 before {what}, which stays reverted`: each reverted step
        committed on its own, so a downgrade that stopped later does not undo it."""
        from alembic_steward._listing import listed

        stay = "stays" if len(self.finished) == 1 else "stay"
        return f"this run had reverted {listed(self.finished)} before {what}, which {stay} reverted"

    def empty_reverts(self) -> str:
        """`; revision r3's downgrade() is empty, ...` for each reverted one whose downgrade()
        undid nothing, as a finished downgrade warns (but for one the line already blames for
        a leftover it names); "" when none."""
        from alembic_steward.runtime._empty_downgrades import reverted_empty

        blamed = {leftover.revision for leftover in self.run_left if leftover.empty}
        return "".join(f"; {reverted_empty(rev)}" for rev in self.emptied if rev not in blamed)


def unknown_line(reason: str) -> str:
    """:data:`UNKNOWN`, naming the status command that runs where it is read."""
    from alembic_steward.runtime._running_migration import status_command

    return UNKNOWN.format(reason=reason, status=status_command())


def state_of(error: BaseException) -> StateAfterFailure | None:
    """The state read after the run ``error`` stopped, or None when none was read."""
    return getattr(error, STATE_ATTRIBUTE, None)
