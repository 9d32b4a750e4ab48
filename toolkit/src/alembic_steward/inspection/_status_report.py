"""Compare the database with the migration history and the models: applied, pending, drift."""

from __future__ import annotations

import enum
import re
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from alembic_steward.inspection._catalog_drift import (
    NOT_COMPARED,
    models_described_meanwhile,
    read_drift,
)
from alembic_steward.inspection._database_state import heads_advice
from alembic_steward.inspection._drift import ModelDrift
from alembic_steward.inspection._drift_sides import DIFFERENCES_ABOVE, DriftSides, pending_sides
from alembic_steward.inspection._edits import EditedRevision, edits_advice

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.inspection._broken_routines import Broken
    from alembic_steward.inspection._database_state import DatabaseState
    from alembic_steward.inspection._unrun_edits import UnrunEdit
    from alembic_steward.runtime._backfill_summaries import BackfillSummary
    from alembic_steward.runtime._failed_runs import FailedRun
    from alembic_steward.runtime._repointed_revisions import RepointedRevision


class StatusExit(enum.IntEnum):
    """Exit codes of `inv db.status`, one per state, so CI can tell them apart."""

    UP_TO_DATE = 0
    # At head, but the models could not be compared with what the migrations build: the
    # history fails on an empty database, or no scratch database may be made (the line says).
    NOT_COMPARED = 1
    PENDING = 2
    DRIFT = 3
    SEVERAL_HEADS = 4
    UNREACHABLE = 5
    REFUSED = 10
    UNKNOWN_REVISION = 6
    HALF_APPLIED = 7
    EDITED_REVISION = 8
    DATABASE_DIFFERS = 9
    CANNOT_MIGRATE = 11
    REPOINTED_REVISION = 12
    MIGRATION_RUNNING = 13
    # Raised, not read: the models hold what this database cannot build (UnbuildableModels).
    UNBUILDABLE_MODELS = 14
    # A tenant row's alone (`--all-tenants`, `--tenants`): the tenant has no schema or
    # database (or file) yet; 10 would send the reader to the server's sign-in.
    TENANT_MISSING = 15
    # Otherwise up to date, but objects fail when used: a trigger, routine or view naming what
    # is gone (`broken:`). CI gating on status or check stops there, as on drift; a trigger a
    # batch lost (`lost:`) may be meant gone, so it leaves the code (docs/decisions.md).
    BROKEN = 16


# What `inv db.status` says about each state it can report, and what to do about it.
# A command an advice names, as it quotes it.
BACKQUOTED = re.compile(r"`([^`]+)`")

STATUS_ADVICE = {
    StatusExit.UP_TO_DATE: "up to date",
    # Followed by "; and broken, failing when they fire: ..." (verdict_pointing).
    StatusExit.BROKEN: "up to date",
    StatusExit.PENDING: "pending migrations: run `inv db.upgrade`",
    # StatusExit.SEVERAL_HEADS: `several heads: ` and heads_advice(), read when it is said.
}
# At head by a stamp that skipped a data step: the note above the verdict names it.
STAMPED_UNRUN_VERDICT = "at head, but a data step it records never ran (see the note)"
# States that block every migration command; `problem` says which, and the way out.
BLOCKED_STATES = (
    StatusExit.CANNOT_MIGRATE,
    StatusExit.MIGRATION_RUNNING,
    StatusExit.UNKNOWN_REVISION,
    StatusExit.HALF_APPLIED,
    StatusExit.REPOINTED_REVISION,
)


def blocked_exit_code(state: DatabaseState | MigrationStatus) -> StatusExit | None:
    """The exit code of the state that blocks every migration command, in the order
    :attr:`MigrationStatus.exit_code` uses (which asks here), or None when nothing blocks."""
    if state.running is not None:
        return StatusExit.MIGRATION_RUNNING
    if state.half_applied_after is not None:
        return StatusExit.HALF_APPLIED
    if state.unknown:
        return StatusExit.UNKNOWN_REVISION
    if state.repointed:
        return StatusExit.REPOINTED_REVISION
    if state.several_heads:
        return StatusExit.SEVERAL_HEADS
    return None


@dataclass(frozen=True)
class RevisionState:
    revision: str
    message: str
    # False for a revision below the database's that never ran here (see `never_ran`).
    applied: bool
    is_head: bool


@dataclass(frozen=True)
class MigrationStatus:
    """The database's place in the history, and how the models differ from it."""

    current: list[str]
    heads: list[str]
    revisions: list[RevisionState]
    # None when the database is not at head (the comparison would only repeat what is
    # pending), or when applied revisions are edited (see `drift_not_compared`).
    drift: ModelDrift | None
    unknown: list[str] = field(default_factory=list)
    half_applied_after: str | None = None
    # Applied revisions whose file changed since it ran (runtime/_revision_checksums.py).
    edited: list[str] = field(default_factory=list)
    # The same, each with whether only its downgrade() changed (inspection/_edits.py).
    edits: list[EditedRevision] = field(default_factory=list)
    # Applied revisions re-pointed onto revisions that never ran here (a rebase).
    repointed: list[RepointedRevision] = field(default_factory=list)
    # Of those, the ones whose checksum an older format recorded, which this Python cannot
    # recheck: reported all the same, with the way to accept them.
    unverifiable: list[str] = field(default_factory=list)
    # The one-line description of a blocked state (see inspection/_database_state.py).
    problem: str | None = None
    # With drift: the database and the models each against the database's revision rebuilt.
    sides: DriftSides = NOT_COMPARED
    # No migration can run here (a SQLite file in a read-only folder): before any advice.
    cannot_migrate: bool = False
    # How the drift was read when it could not be read from the catalogs, and why.
    drift_note: str | None = None
    # The backfills of applied revisions that have not finished (runtime/_backfill_summaries.py).
    backfills: list[BackfillSummary] = field(default_factory=list)
    # Behind head by contract revisions only, oldest first: a rolling deploy's expand phase
    # has run and its contract phase has not (runtime/_phased_upgrade.py).
    pending_contract: list[str] = field(default_factory=list)
    # With ``pending_contract``: the database is a development one, which no rolling deploy
    # serves (no replica of an older release runs against it), so nothing waits between the
    # expand and contract phases: the plain upgrade is the advice. Told by the environment
    # protection's own rule (neither APP_ENV nor its recorded environment is protected): a
    # deploy's environments are the protected ones.
    development: bool = False
    # The migration run holding the migration lock as the status was read (runtime/_lock.py):
    # a MySQL/MariaDB mark is then its own, not a run that stopped half-way.
    running: str | None = None
    # Behind head: the last upgrade of this database, when it failed from where the database
    # still is, at a pending revision (runtime/_failed_runs.py).
    failed_upgrade: FailedRun | None = None
    # Behind head: a pending revision's `require_backfill` would refuse the upgrade; the line
    # names the backfill to finish first (runtime/_backfill_prerequisites.py).
    backfill_first: str | None = None
    # The version table moved by hand, read from the bookkeeping rows: the upgrade's refusal
    # (inspection/_moved_version_table.py), when no scratch build told the database differs.
    moved: str | None = None
    # Behind head: what an applied revision's edit builds that this database lacks (it never
    # ran here), which pending revisions may need (inspection/_unrun_edits.py).
    unrun_edit: UnrunEdit | None = None
    # Behind head on SQLite: rows whose foreign key pointed nowhere before any run (inserted
    # with foreign keys off); every step's check refuses them (runtime/_transactions.py).
    dangling_rows: str | None = None
    # At head: the triggers naming a column their table no longer has, which fail when they
    # fire whether a revision or a hand made them (inspection/_broken_routines.py).
    broken: tuple[Broken, ...] = ()
    # Behind head on SQLite: the views and triggers, broken already, that the pending trial's
    # failure is in (inspection/_pending_broken_blame.py).
    pending_blamed: tuple[Broken, ...] = ()
    # At head on SQLite: the triggers a revision made that a later one's batch mode lost, in
    # every database the revisions build (inspection/_batch_lost_triggers.py), one line each.
    lost: tuple[str, ...] = ()
    # The data steps the stamp that recorded the version table skipped, while its record of
    # the rows it wrote stands (inspection/_stamped_unrun_steps.py).
    stamped_unrun: str | None = None
    # Behind head: pending revisions a downgrade reverted with an empty downgrade(), so that
    # their earlier run's work (rows too) is still here for the upgrade to run over again,
    # read from that downgrade's record (runtime/_downgrade_runs.py).
    emptied: list[str] = field(default_factory=list)

    @property
    def drift_not_compared(self) -> str | None:
        """Why the models were not compared (``drift`` is None), in words; None when they were."""
        if self.drift is not None:
            return None
        if self.edited:
            # The live database was built by other files than these: the models compared with
            # it say nothing of what the edited history builds, so no "none" is claimed.
            return "not compared while applied revisions are edited (see edited)"
        if self.sides.models_unread:
            return f"not compared: {self.sides.skipped}"
        return "not checked until the database is at head and can migrate"

    @property
    def several_heads(self) -> bool:
        return len(self.heads) > 1

    @property
    def never_ran(self) -> set[str]:
        """Revisions the version table counts as applied that never ran here (a rebase)."""
        return {revision for item in self.repointed for revision in item.never_ran}

    @property
    def exit_code(self) -> StatusExit:
        if self.cannot_migrate:
            return StatusExit.CANNOT_MIGRATE
        blocked = blocked_exit_code(self)
        if blocked is not None:
            return blocked
        # Before "pending": the upgrade would run revisions written against the edit.
        if self.unrun_edit:
            return StatusExit.EDITED_REVISION
        # Before "pending": behind head, a difference is what the pending migrations hit.
        if self.sides.database or self.moved:
            return StatusExit.DATABASE_DIFFERS
        if set(self.current) != set(self.heads):
            return StatusExit.PENDING
        if self.edited:
            return StatusExit.EDITED_REVISION
        if self.sides.not_compared_with(self.drift.lines if self.drift else []):
            return StatusExit.NOT_COMPARED
        if self.drift and self.drift.lines:
            return StatusExit.DRIFT
        if self.broken:
            return StatusExit.BROKEN
        return StatusExit.UP_TO_DATE

    @property
    def verdict(self) -> str:
        """The status line: a blocked state's problem, or the advice for the state; advice
        about differences points at them printed above it."""
        return self.verdict_pointing(DIFFERENCES_ABOVE)

    def verdict_pointing(self, where: str) -> str:
        """:attr:`verdict`, pointing at the database's differences with ``where``: a
        fan-out's row, one line, names them (inspection/_drift_sides.py); and the lost
        and broken objects (broken ones alone: exit code 16)."""
        verdict = self.state_verdict(where)
        if self.lost and self.exit_code not in BLOCKED_STATES:
            from alembic_steward.inspection._batch_lost_triggers import lost_advice

            named = "; ".join(self.lost)
            verdict = f"{verdict}; and lost: {named}: {lost_advice(self.lost)}"
        if not self.broken or self.exit_code in BLOCKED_STATES:
            return verdict
        from alembic_steward.inspection._broken_advice import (
            advice_by_maker,
            history_upgrades,
            pending_upgrades,
        )

        named = "; ".join(item.line for item in self.broken)
        advice = advice_by_maker(self.broken, history_upgrades(), pending_upgrades())
        return f"{verdict}; and broken, failing when they fire: {named}: {advice}"

    def state_verdict(self, where: str) -> str:
        """The verdict on the state alone, pointing at the differences with ``where``."""
        if self.exit_code in BLOCKED_STATES:
            return self.problem or ""
        if self.exit_code == StatusExit.DATABASE_DIFFERS and not self.sides.database:
            return self.moved or ""
        if self.exit_code == StatusExit.DATABASE_DIFFERS and self.moved:
            return self.refused_verdict(where)
        if self.exit_code == StatusExit.DATABASE_DIFFERS:
            return self.sides.database_advice_pointing(where)
        if self.exit_code == StatusExit.EDITED_REVISION and self.unrun_edit:
            return self.unrun_edit.advice()
        if self.exit_code == StatusExit.EDITED_REVISION:
            return edits_advice(self.edits)
        if self.exit_code == StatusExit.NOT_COMPARED:
            return f"at head; {self.sides.not_compared_advice}"
        if self.exit_code == StatusExit.DRIFT and self.drift is not None:
            # The same advice as `inv db.check`: a change autogenerate cannot write is no
            # reason to run `inv db.revision`, which would write nothing.
            return f"{self.drift.summary}: {self.drift.advice}"
        if self.exit_code == StatusExit.PENDING and self.dangling_rows:
            from alembic_steward.runtime._up_to_date import upgrade_command

            # Before any other advice: whatever else is pending, the upgrade stops on these.
            return (
                f"pending migrations, but {self.dangling_rows}: these rows are there before any"
                " upgrade, and every migration's foreign-key check refuses them, so"
                f" `{upgrade_command()}` would fail: delete those rows or point them at an"
                f" existing parent, then run `{upgrade_command()}`"
            )
        if self.exit_code == StatusExit.PENDING and self.sides.pending_failure:
            contract = bool(self.pending_contract) and not self.development
            if self.pending_blamed:
                from alembic_steward.inspection._pending_broken_blame import blamed_advice

                upgrade = phase_upgrade_command(contract)
                return blamed_advice(self.sides.pending_failure, self.pending_blamed, upgrade)
            on_rows = self.sides.pending_failure_on_rows
            return pending_failure_advice(self.sides.pending_failure, contract, on_rows=on_rows)
        if self.exit_code == StatusExit.PENDING and self.failed_upgrade:
            from alembic_steward.runtime._up_to_date import upgrade_command

            # The failed run reached that revision, so no phase held it back: running it again
            # is the plain upgrade (a phased deploy's `--phase contract` runs the same, to head).
            return self.failed_upgrade.line(upgrade_command())
        if self.exit_code == StatusExit.PENDING and self.backfill_first:
            return self.backfill_first
        if self.exit_code == StatusExit.PENDING and self.emptied:
            from alembic_steward.runtime._downgrade_runs import emptied_advice
            from alembic_steward.runtime._up_to_date import upgrade_command

            return emptied_advice(self.emptied, upgrade_command())
        if self.exit_code == StatusExit.PENDING and self.pending_contract:
            from alembic_steward.runtime._phased_upgrade import (
                contract_phase_advice,
                development_contract_advice,
            )

            if self.development:
                return development_contract_advice(self.pending_contract)
            return contract_phase_advice(self.current, self.pending_contract)
        if self.exit_code == StatusExit.PENDING:
            from alembic_steward.runtime._up_to_date import upgrade_command

            # In an installed service's fan-out too: its own command, for this tenant if bound.
            return f"pending migrations: run `{upgrade_command()}`"
        if self.exit_code == StatusExit.SEVERAL_HEADS:
            return f"several heads: {heads_advice()}"
        at_head = (StatusExit.UP_TO_DATE, StatusExit.BROKEN)
        if self.exit_code in at_head and self.stamped_unrun:
            return STAMPED_UNRUN_VERDICT
        return STATUS_ADVICE[self.exit_code]

    def refused_verdict(self, where: str) -> str:
        """The verdict over differences when the upgrade would refuse (``moved``).

        The upgrade refuses on its checksum rows whatever the schema, so advice that runs it
        (undo and upgrade; an enum value's "the upgrade keeps it") met that refusal: status says
        what the upgrade reads. A database one revision builds exactly is told that revision's
        stamp instead, as `db.revision` and `db.check` tell it, only when that advice names no
        command the refusal does not (the stamp the refusal names, nothing after it)."""
        from alembic_steward.inspection._drift_sides import stamped_wrongly_advice

        refusal = f"the database is not what its revision builds {where}, and {self.moved}"
        if self.sides.built_by is None:
            return refusal
        stamped = stamped_wrongly_advice(where, self.sides.built_by)
        named = set(BACKQUOTED.findall(stamped))
        return stamped if named <= set(BACKQUOTED.findall(refusal)) else refusal

    def as_json(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "heads": self.heads,
            "revisions": [vars(state) for state in self.revisions],
            "drift": None if self.drift is None else self.drift.lines,
            "drift_not_compared": self.drift_not_compared,
            "unknown_revisions": self.unknown,
            "half_applied_after": self.half_applied_after,
            "migration_running": self.running,
            "edited_revisions": self.edited,
            "downgrade_only_edits": [edit.revision for edit in self.edits if edit.downgrade_only],
            "unverifiable_revisions": self.unverifiable,
            "repointed_revisions": [vars(item) for item in self.repointed],
            "database_differences": self.sides.database,
            "model_differences": None if self.sides.models is None else self.sides.models.lines,
            "comparison_skipped": self.sides.skipped,
            "drift_note": self.drift_note,
            "unfinished_backfills": [backfill.as_dict() for backfill in self.backfills],
            "expand_phase_applied": bool(self.pending_contract),
            "pending_contract_revisions": self.pending_contract,
            "pending_failure": self.sides.pending_failure,
            "backfill_first": self.backfill_first,
            "dangling_rows": self.dangling_rows,
            "stamped_unrun_data_steps": self.stamped_unrun,
            "empty_downgrades_reverted": self.emptied,
            "last_failed_upgrade": None
            if self.failed_upgrade is None
            else vars(self.failed_upgrade),
            "version_table_moved": self.moved,
            "unrun_edit": None if self.unrun_edit is None else list(self.unrun_edit.differences),
            "problem": self.problem,
            "broken": [item.line for item in self.broken],
            "lost_triggers": list(self.lost),
            "exit_code": int(self.exit_code),
        }


def pending_failure_advice(failure: str, contract: bool, *, on_rows: bool = False) -> str:
    """Behind head, when a pending revision fails on a scratch database: advice that runs it
    again would fail again (a failed run that rolled back leaves the database as it was). A
    failure ``on_rows`` is certain only of databases built from the revisions: this one's rows
    were not read."""
    upgrade = phase_upgrade_command(contract)
    if on_rows:
        return (
            f"pending migrations, but {failure}: every database built from the revisions (a new"
            f" one, CI's) fails there, and `{upgrade}` may fail here too (this database's rows"
            f" were not read): fix that revision's file, then run `{upgrade}`"
        )
    return (
        f"pending migrations, but {failure}, so `{upgrade}` would fail the same way: fix that"
        f" revision's file, then run `{upgrade}`"
    )


def phase_upgrade_command(contract: bool) -> str:
    """The upgrade to run next: the contract phase's, when only contract revisions are pending."""
    from alembic_steward.runtime._up_to_date import upgrade_command

    return f"{upgrade_command()} --phase contract" if contract else upgrade_command()


def applied_revisions(script: ScriptDirectory, current: list[str]) -> set[str]:
    """Return every revision at or below the database's current heads."""
    if not current:
        return set()
    return {rev.revision for rev in script.iterate_revisions(current, "base")}


def applied_here(script: ScriptDirectory, connection: Connection, state: DatabaseState) -> set[str]:
    """The revisions applied to this database: at or below its revision, or, at a revision
    this checkout lacks (which cannot be walked), those whose run is recorded here: a
    checksum row is kept per applied revision and dropped when it is reverted."""
    if not state.unknown:
        return applied_revisions(script, state.current)
    from alembic_steward.runtime._revision_checksums import recorded_values

    return set(recorded_values(connection))


def read_status(script: ScriptDirectory, connection: Connection) -> MigrationStatus:
    """Read where the database stands, on one connection, against the history in ``script``."""
    from alembic_steward.inspection._batch_lost_triggers import lost_triggers
    from alembic_steward.inspection._database_state import blocking_problem, read_database_state
    from alembic_steward.inspection._edits import describe_edits
    from alembic_steward.inspection._later_builds import without_failed_run
    from alembic_steward.runtime._failed_runs import failed_upgrade_here
    from alembic_steward.runtime._lock import migration_lock_problem
    from alembic_steward.runtime._phased_upgrade import contract_phase_pending, pending_revisions
    from alembic_steward.runtime._revision_checksums import (
        edited_revisions,
        unverifiable_revisions,
    )
    from alembic_steward.runtime._running_migration import (
        check_again,
        running_line,
        running_migration,
    )

    # Asked before the state is read too: a run that ends meanwhile removes its mark just
    # before it frees the lock, so a mark read then must not pass for a stopped run's.
    running = running_migration(connection)
    state = read_database_state(script, connection)
    running = running or state.running
    # What a migration run would stop on first: it cannot take the lock.
    lock_problem = migration_lock_problem(connection)
    if running is not None and lock_problem is None:
        problem = running_line(running, state.current, check_again())
    else:
        problem = lock_problem or blocking_problem(state, script)
    checkable = problem is None and state.at_head
    with ExitStack() as stack:
        # Built (when not kept) while the revisions are read: that mostly waits for the server.
        models = stack.enter_context(models_described_meanwhile(connection)) if checkable else None
        applied = applied_here(script, connection, state)
        never_ran = {revision for item in state.repointed for revision in item.never_ran}
        revisions = [
            RevisionState(
                revision=rev.revision,
                message=(rev.doc or "").strip(),
                applied=rev.revision in applied - never_ran,
                is_head=rev.is_head,
            )
            for rev in script.walk_revisions()
        ]
        # Re-pointed revisions are edited too (their down_revision): listed, under the rebase.
        edited = (
            edited_revisions(connection, script, state.current)
            if problem is None or state.repointed
            else []
        )
        # Only drift pays for rebuilding the revision: it decides which side the drift is on.
        read = None
        if models is not None:
            read = read_drift(connection, state.current, sides=not edited, models=models)
    unrun = None
    if problem is None and not state.at_head and len(state.heads) <= 1 and edited:
        from alembic_steward.inspection._unrun_edits import unrun_edit_here

        # Advising the upgrade must not run pending revisions into what an edit never built.
        unrun = unrun_edit_here(connection, script, state.current)
    # Behind head, so does advising `inv db.upgrade`: it must not run into leftovers.
    behind = problem is None and not state.at_head and len(state.heads) <= 1 and not edited
    sides = NOT_COMPARED
    failed = None
    emptied: list[str] = []
    if behind:  # and whether the pending revisions run there: advice must not name a failure
        files = {rev.revision: rev.path for rev in pending_revisions(script, tuple(state.current))}
        sides = pending_sides(connection, state.current, list(files))
        # Nor one that failed here on the data, which a scratch database lacks.
        failed = failed_upgrade_here(
            connection.engine.url, state.current, files, connection=connection, script=script
        )
        if failed is not None and failed.committed_part:  # its schema is not its work done
            built_by = without_failed_run(sides.built_by, failed.revision)
            sides = replace(sides, built_by=built_by)
        if failed is not None and failed.stopped:  # a signal's stop: running again need not fail
            failed = None
        # The schema it failed on is gone (a hand-made column dropped): `sides` says what runs.
        if failed is not None and failed.schema_changed:
            failed = None
        if failed is not None:  # it did not run past the differences, whatever they are
            sides = replace(sides, failed_run=failed.failed_words)
        if sides.database and failed is None:  # a downgrade() that forgot part of its work?
            from alembic_steward.runtime._downgrade_runs import downgrade_left_here

            left_by = tuple(downgrade_left_here(connection, list(state.current)))
            sides = replace(sides, downgrade_left=left_by)
        if failed is None and not sides.database:  # nor run again over what it left
            from alembic_steward.runtime._repaired_downgrade_records import emptied_at

            # Whatever the schema since (a caution, never a claim): the record as the downgrade
            # left it, or as the stamp that recorded it finished by hand moved it.
            emptied = emptied_at(connection, list(state.current), list(files))
    elif problem is None and state.at_head and len(state.heads) == 1:
        failed_upgrade_here(connection.engine.url, state.current, {})  # applied: forgotten
    blamed: tuple[Broken, ...] = ()
    if behind and sides.pending_failure:
        from alembic_steward.inspection._pending_broken_blame import broken_blamed

        blamed = broken_blamed(connection, sides.pending_failure)
    dangling = None
    if behind and connection.dialect.name == "sqlite":
        from alembic_steward.runtime._transactions import dangling_rows, dangling_rows_line

        # Cheap (one PRAGMA): advising the upgrade must not run into them.
        found = dangling_rows(connection)
        dangling = dangling_rows_line(connection, found) if found else None
    contract = contract_phase_pending(script, state.current) if behind else []
    development = bool(contract) and development_database(connection)
    backfill_first = None
    if behind and not sides.pending_failure and failed is None:
        from alembic_steward.runtime._backfill_prerequisites import backfill_first_line

        upgrade = phase_upgrade_command(bool(contract) and not development)
        backfill_first = backfill_first_line(script, connection, state.current, upgrade)
    moved = None
    # Edited or not: the upgrade reads its refusal from the bookkeeping rows alone, and a stamp
    # back over an edited revision keeps its row like any other (status said "pending").
    if problem is None and unrun is None:
        from alembic_steward.inspection._moved_version_table import moved_version_table_line

        moved = moved_version_table_line(connection, script, state)
    stamped_unrun = None
    if problem is None:
        from alembic_steward.inspection._stamped_unrun_steps import stamped_unrun_line

        stamped_unrun = stamped_unrun_line(connection, script)
    return MigrationStatus(
        current=state.current,
        heads=state.heads,
        revisions=revisions,
        # Edited: read all the same (models this server refuses are still named, exit 14).
        # No scratch database even for the models: no drift was read, not "none".
        drift=read.models if read and not edited and not read.sides.models_unread else None,
        unknown=state.unknown,
        half_applied_after=state.half_applied_after,
        problem=problem,
        edited=edited,
        edits=describe_edits(connection, script, edited, state.current),
        repointed=state.repointed,
        unverifiable=unverifiable_revisions(connection, edited),
        sides=read.sides if read else sides,
        cannot_migrate=lock_problem is not None,
        drift_note=read.note if read and not edited else None,
        pending_contract=contract,
        development=development,
        running=running if lock_problem is None else None,
        failed_upgrade=failed,
        backfill_first=backfill_first,
        moved=moved,
        unrun_edit=unrun,
        dangling_rows=dangling,
        broken=read.broken if read else (),
        pending_blamed=blamed,
        lost=lost_triggers(connection, script, state.current) if checkable else (),
        stamped_unrun=stamped_unrun,
        emptied=emptied,
    )


def development_database(connection: Connection) -> bool:
    """Whether neither APP_ENV nor the database's recorded environment is protected
    (runtime/_protection.py): a development database, which no rolling deploy serves."""
    from alembic_steward._wiring import get_settings
    from alembic_steward.runtime._environment_record import recorded_environment
    from alembic_steward.runtime._protection import (
        configured_protected_environments,
        protected_environment,
    )

    try:
        protected = configured_protected_environments()
        recorded = recorded_environment(connection)
    except Exception:  # noqa: BLE001 - unreadable: the rolling deploy's advice, the careful one
        return False
    return protected_environment(get_settings().environment.value, recorded, protected) is None


def unread_status_json(exit_code: int, problem: str) -> dict[str, Any]:
    """The JSON of a status that could not be read: every key, unknown (null) but these two."""
    unread = MigrationStatus(current=[], heads=[], revisions=[], drift=None)
    return dict.fromkeys(unread.as_json()) | {"problem": problem, "exit_code": exit_code}
