"""Tell which side is wrong when the models and the database differ: the database or the models.

Drift alone cannot say. A revision stamped without running, or a column added by hand, looks
exactly like a model changed without a revision, yet writing a revision for it would record
the accident in the history. So the live database's own revision is rebuilt in a scratch
database on the same server (inspection/_scratch_database.py) and compared twice: the live
schema with it (the *database* differs from its revision) and the models with it (the *models*
need a new revision). Only drift pays for this: an up-to-date database builds nothing.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alembic_steward.inspection._reflection_warnings import ignore_skipped_expression_indexes

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic.script import ScriptDirectory
    from sqlalchemy import URL, Connection, MetaData

    from alembic_steward.catalog import Catalog, Difference
    from alembic_steward.inspection._broken_routines import Broken
    from alembic_steward.inspection._drift import ModelDrift
    from alembic_steward.inspection._hand_fixed_objects import HandFix
    from alembic_steward.inspection._hand_made_dependents import Dependent
    from alembic_steward.inspection._later_builds import MatchingBuild
    from alembic_steward.inspection._pending_trial import PendingTrial
    from alembic_steward.inspection._sqlite_rebuild_recipe import SqliteDrops
    from alembic_steward.inspection._sqlite_schema_copy import SqliteTrial


# Where `inv db.status` and `inv db.check` print the differences their advice speaks of; a
# fan-out's row, one line, names them in its place (:func:`differences_named`).
DIFFERENCES_ABOVE = "(differences above)"


def differences_named(differences: list[str]) -> str:
    """The differences themselves, where advice has no lines above it (a fan-out's row)."""
    return f"({'; '.join(differences)})"


def database_differs_advice(
    where: str = DIFFERENCES_ABOVE,
    additions: Sequence[str] = (),
    enum_values: Sequence[str] = (),
    lacking: bool = True,
    restoring: Sequence[str] = (),
    runs_elsewhere: Sequence[str] = (),
    script: ScriptDirectory | None = None,
    rebuild: SqliteDrops | None = None,
) -> str:
    """What to do when the database is not what its revision builds; for a tenant bound (a
    fan-out's status), the commands that act on that tenant. ``where`` points at the
    differences: printed above, or named (:func:`differences_named`). ``additions``: the
    objects the database has in addition, when they are every difference
    (:func:`additions_only`). ``enum_values``: the values the database's enum types have in
    addition (inspection/_enum_values.py), which no hand change can undo on PostgreSQL.
    ``restoring``: statements that undo some of the differences
    (inspection/_restoring_statements.py). ``runs_elsewhere``: revisions the checksum rows
    record as run here that the history lacks (inspection/_runs_elsewhere.py). ``script``: the
    caller's history, if it holds one (reading it again runs every revision file).
    ``rebuild``: on SQLite, the script that drops ``additions``, where a constraint is one
    (inspection/_sqlite_rebuild_recipe.py)."""
    from alembic_steward.runtime._advice import bound_tenant_options

    tenant = bound_tenant_options()
    stamp, upgrade = stamp_and_upgrade_commands()
    reset = "" if tenant else ", or in development `inv db.reset`"
    if additions:
        # No stamp explains an addition (a stamp at the revision that builds it is found
        # first: inspection/_later_builds.py), so stamping is no advice here.
        from alembic_steward.inspection._differing_causes import accepted_edits_named

        accepted = accepted_edits_named(script)
        # An accepted edit that took them out of its revision leaves them too: named, not
        # blamed on a hand that never added them.
        edit = f", or {accepted} no longer builds them" if accepted else ""
        if runs_elsewhere:
            from alembic_steward.inspection._runs_elsewhere import runs_outside_history_cause

            cause = runs_outside_history_cause(tuple(runs_elsewhere))
            return (
                f"the database is not what its revision builds {where}: it has them in"
                f" addition, which no stamp explains; {cause}. {drop_by_hand(additions, rebuild)}"
                f"{reset}"
            )
        # Nothing recorded tells a hand from a downgrade() that made them again (a stamp at
        # head after it) or a run that stopped part-way: both are named, neither as a fact.
        return (
            f"the database is not what its revision builds {where}: it has them in addition,"
            f" which no stamp explains: they were added by hand, or left by a downgrade() or"
            f" another run{edit}. {drop_by_hand(additions, rebuild)}{reset}"
        )
    from alembic_steward.inspection._restoring_statements import restoring_advice

    undo = f"undo the hand change{restoring_advice(restoring)}{reset}"
    if enum_values:
        from alembic_steward.inspection._enum_values import enum_values_advice

        undo = f"{undo}; {enum_values_advice(enum_values)}"
    from alembic_steward.inspection._differing_causes import RESTORE, history_causes

    # A stamp explains only something missing: at head it changes no column (``lacking``).
    stamped = "a revision was stamped without running, or " if lacking else ""
    remedy = (
        f"stamp the last revision that really ran ({stamp}) and {upgrade}, or " if lacking else ""
    )
    return (
        f"the database is not what its revision builds {where}: {stamped}the schema was"
        f" changed by hand{history_causes(script)}. Bring the database back: {remedy}{undo};"
        f" {RESTORE}"
    )


def stamped_wrongly_advice(where: str, built_by: MatchingBuild) -> str:
    """What to do when the database differs from its revision and holds exactly what
    ``built_by`` builds: status's advice, and `inv db.revision`'s refusal's."""
    from alembic_steward.inspection._later_builds import stamped_wrongly

    return f"the database is not what its revision builds {where}; {stamped_wrongly(built_by)}"


# What `inv db.revision` says after writing a revision whose objects the database holds.
KEEP_WITH_STAMP = "`inv db.stamp -r head`"


def drop_by_hand(
    additions: Sequence[str], rebuild: SqliteDrops | None = None, verb: str = "Drop"
) -> str:
    """`Drop column users.x by hand`; on SQLite, where one is a constraint, the script that
    drops them (``rebuild``): a rebuild of their table where a plain drop cannot."""
    named = ", ".join(additions)
    if rebuild is not None and rebuild.rebuilds:
        return (
            f"{verb} {named} by hand, which on SQLite takes a rebuild of the table (SQLite has no"
            " DROP CONSTRAINT, and its DROP COLUMN refuses a column a table constraint or index"
            " names): the table copied without them as batch mode copies it, rows kept, in one"
            f" sqlite3 session: `{rebuild.script}`"
        )
    if rebuild is not None:
        return (
            f"{verb} {named} by hand: on SQLite `{rebuild.script}` (SQLite has no DROP"
            " CONSTRAINT: a column's constraints go with it)"
        )
    return f"{verb} {named} by hand"


def kept_additions_advice(
    where: str, additions: Sequence[str], rebuild: SqliteDrops | None = None
) -> str:
    """What to do when the database has objects in addition to its revision's build, added by
    hand, that the models have too: keep them and their data with a revision that adds them,
    written from the revision's build (`inv db.revision` does that here), and a stamp."""
    from alembic_steward.runtime._advice import bound_tenant_options

    reset = "" if bound_tenant_options() else ", or in development `inv db.reset`"
    return (
        f"the database is not what its revision builds {where}: it has them in addition,"
        " added by hand, and the models have them too. To keep them and their data, run"
        ' `inv db.revision -m "..."`, which writes the revision that adds them (from what'
        f" the database's revision builds, not from the database), then {KEEP_WITH_STAMP} to"
        f" record that the database holds them (no migration runs); else"
        f" {drop_by_hand(additions, rebuild, verb='drop')}{reset}"
    )


def stamp_and_upgrade_commands() -> tuple[str, str]:
    """The stamp (of a revision REV) and the upgrade, backquoted, as they run where the advice
    is read (runtime/_advice.py): `inv` in a checkout, the service's module where installed;
    for the bound tenant alone, if any."""
    from alembic_steward.runtime._advice import advised, bound_tenant_options

    tenant, tenants = bound_tenant_options(), bound_tenant_options("--tenants")
    stamp = advised(f"db.stamp -r REV{tenant}", f"stamp REV --yes{tenant}")
    return stamp, advised(f"db.upgrade{tenants}", f"upgrade{tenants}")


def pending_database_differs_advice(
    where: str = DIFFERENCES_ABOVE, restoring: Sequence[str] = (), briefs: Sequence[str] = ()
) -> str:
    """Behind head, what differs stands in the way of the pending migrations themselves;
    ``restoring``: statements that undo some of it (inspection/_restoring_statements.py);
    ``briefs``: the differences in brief, whose kinds word the repair."""
    from alembic_steward.inspection._restoring_statements import restoring_advice
    from alembic_steward.runtime._advice import bound_tenant_options
    from alembic_steward.runtime._hand_repairs import repair_by_hand

    tenant = bound_tenant_options()
    stamp, upgrade = stamp_and_upgrade_commands()
    reset = "" if tenant else "; in development `inv db.reset` starts over"
    repair = repair_by_hand(briefs, restoring_advice(restoring), them="them")
    return (
        f"the database is not what its revision builds {where}, so {upgrade}"
        " would run into them: a migration that failed after committing part of its"
        " work (an autocommit_block(), or DDL on MySQL/MariaDB) or a hand change left them."
        f" {repair[:1].upper()}{repair[1:]} and then {upgrade}; if they are the next"
        " migration's work finished by hand, record that with"
        f" {stamp} instead{reset}"
    )


def additions_only(differences: Sequence[Difference]) -> list[str]:
    """The objects the database has that its revision does not build (`column users.nickname`),
    when every difference is one: nothing missing, nothing different; else []."""
    if differences and all(difference.change == "unexpected" for difference in differences):
        return [f"{difference.kind} {difference.subject}" for difference in differences]
    return []


def models_need_additions(own: Sequence[Difference], needed: Sequence[Difference]) -> bool:
    """Whether the database's differences from its revision (``own``) are all objects it has
    in addition that the models need too (``needed``, the models against that revision): not
    a trigger or a view the models leave to the revisions, which no revision would add."""
    wanted = {(d.kind, d.subject) for d in needed if d.change == "missing"}
    return bool(additions_only(own)) and all((d.kind, d.subject) in wanted for d in own)


def additions_kept_by_models(built: Catalog, live: Catalog, models: Catalog) -> bool:
    """Whether the live database differs from its revision's build (``built``) only by objects
    added by hand that the models declare exactly as the database has them (type, length,
    nullability, default...): then a revision written from the build adds them, and a stamp
    records that the database holds them. One reading for `inv db.status` (its kept-additions
    advice) and `inv db.revision` (which writes that revision): a hand column unlike the
    models' would be recorded by the stamp as what the revision builds, which it is not."""
    from alembic_steward.catalog import compare_catalogs, compare_with_models

    own = compare_catalogs(built, live)
    needed = compare_with_models(models, built)
    return models_need_additions(own, needed) and not compare_with_models(models, live)


def additions_named(lines: Sequence[str]) -> list[str]:
    """:func:`additions_only` for autogenerate's lines (`unexpected column users.nickname`)."""
    unexpected = "unexpected "
    if lines and all(line.startswith(unexpected) for line in lines):
        return [line.removeprefix(unexpected) for line in lines]
    return []


# How each `compare_metadata` kind reads when the database, not the models, is the side compared.
DATABASE_SIDE_WORDS = {"add": "missing", "remove": "unexpected", "modify": "different"}
# Each index difference, and the table difference of the same kind that already covers it.
INDEX_KINDS = {"add_index": "add_table", "remove_index": "remove_table"}
TABLE_KINDS = ("add_table", "remove_table")


@dataclass(frozen=True)
class DriftSides:
    """How the database and the models each differ from what the migrations build."""

    # The live database against its own revision rebuilt; None when not compared.
    database: list[str] | None
    # The models against that rebuilt revision: what a new revision must hold; None likewise.
    models: ModelDrift | None
    # Why no scratch database could be built, when it could not.
    skipped: str | None = None
    # What to grant the user when the server refused it a scratch database for want of a right.
    grant: str = ""
    # Whether the models were not described either (no scratch database for them): nothing
    # was compared, not even the models with the database (autogenerate's word is no verdict).
    models_unread: bool = False
    # Whether that is because the migrations fail on an empty database: no revision written
    # for the models could be verified, nor could the database be built afresh from them.
    history_fails: bool = False
    # Whether it is because autogenerate's own comparison failed, not the migrations: they
    # build, but no revision can be autogenerated (inspection/_comparison_failures.py).
    comparison_fails: bool = False
    # Whether the build stopped on the server's condition at the time (a lock, a lost
    # connection: runtime/_transient_errors.py), not on the migrations: it may pass next time.
    build_stopped: bool = False
    # Compared behind head (migrations pending): the models were not compared, as drift then
    # only repeats what is pending.
    pending: bool = False
    # Behind head: how the first pending revision that fails on that scratch database fails,
    # and whether on the rows (RevisionComparison.pending_failure_on_rows); set with
    # differences too, the pending revisions being tried past them all the same.
    pending_failure: str | None = None
    pending_failure_on_rows: bool = False
    # Differing: the revision whose build the database exactly is, a later or an earlier one
    # (it was stamped at the wrong revision; inspection/_later_builds.py).
    built_by: MatchingBuild | None = None
    # Differing only by what the database has in addition: those objects (`column users.x`).
    additions: tuple[str, ...] = ()
    # Enum values the database has in addition (`mood 'meh'`), which cannot be dropped.
    enum_values: tuple[str, ...] = ()
    # Behind head, with ``enum_values``: the pending revision whose file adds them, whose
    # downgrade (or a stopped run of it) left them, PostgreSQL having no DROP VALUE.
    enum_values_revision: str | None = None
    # Behind head, with ``enum_values`` and ``built_by`` a pending revision: whether the
    # pending revisions run on the database's revision holding those values (their ADD VALUE
    # IF NOT EXISTS): the upgrade is then the advice, leaving the values as the revision's.
    enum_values_upgrade: bool = False
    # Whether those values are every difference: their advice is then the whole advice.
    enum_values_alone: bool = False
    # Behind head: whether the pending revisions change none of the objects that differ.
    pending_leave_them: bool = False
    # Behind head: the hand-made objects that read what the pending revisions change or drop
    # (`view vhand reads t.c6, which the pending migrations drop`), which they do not run past.
    pending_dependents: tuple[Dependent, ...] = ()
    # Behind head: the revisions whose downgrade(), the last run recorded here, left what
    # differs (runtime/_downgrade_runs.py), while the database is as it left it.
    downgrade_left: tuple[str, ...] = ()
    # Behind head: the last upgrade from here, recorded as failed while the database is as it
    # left it (runtime/_failed_runs.py), in words; "" when none is. It did not run past them.
    failed_run: str = ""
    # Whether the database lacks something its revision builds, which a stamp can explain: not
    # when the checksum rows record a run of every revision (inspection/_recorded_runs.py).
    lacking: bool = True
    # Behind head, differing: each difference in brief (`missing index items.ix`), whose kind
    # says whether the repair makes it again or undoes it (runtime/_hand_repairs.py).
    briefs: tuple[str, ...] = ()
    # With additions: whether the models hold them too (the database holds what they need).
    models_hold_additions: bool = False
    # Statements that undo some of the differences (`ALTER SEQUENCE s OWNED BY NONE`).
    restoring: tuple[str, ...] = ()
    # With additions, on SQLite, one a constraint or a plain drop refused: the script that
    # drops them, rebuilding their table where needed (inspection/_sqlite_rebuild_recipe.py).
    rebuild: SqliteDrops | None = None
    # With additions: revisions the checksum rows record as run here that the history lacks
    # (inspection/_runs_elsewhere.py), whose run most likely left them.
    runs_elsewhere: tuple[str, ...] = ()
    # Whether the database lacks only objects its revision's build makes broken, dropped by
    # hand (inspection/_broken_builds.py): those objects, which a new revision drops.
    built_broken: tuple[Broken, ...] = ()
    # PostgreSQL routines its revisions build broken that a hand made again without what is
    # gone (inspection/_hand_fixed_objects.py): kept in a new revision, never undone.
    hand_fixed: tuple[HandFix, ...] = ()
    # How many of the differences those account for (a fixed view's columns too).
    hand_fixed_covers: int = 0
    # Behind head: the edits accepted here that left every difference, the database having
    # kept what they no longer build (runtime/_accepted_edits.py); () when not all are theirs.
    accepted_left: tuple[str, ...] = ()
    # Behind head: whether the pending revisions, tried on a scratch database made to lack what
    # the live one lacks, pass and end at what they build (inspection/_pending_runs_through.py).
    pending_runs_through: bool = False
    # Behind head on SQLite: what the pending revisions did on a copy of the live schema, when
    # every difference is a hand-made index, view or trigger (inspection/_sqlite_schema_copy.py).
    pending_sqlite_trial: SqliteTrial | None = None
    # Behind head on PostgreSQL and MariaDB: what they did on one made what the live one is.
    pending_trial: PendingTrial | None = None
    # Behind head: the objects the database lacks, every difference, that its revisions build
    # broken (dropped by hand), which the pending revisions do not run past.
    pending_broken: tuple[Broken, ...] = ()
    # Whether the database has no version table at all (made by hand, or by create_all): one
    # to adopt with `inv db.baseline`, whose differences are no leftovers to undo.
    never_migrated: bool = False

    @property
    def database_advice(self) -> str:
        """What to do when the database differs from its revision, its differences printed
        above; the models' part too."""
        return self.database_advice_pointing(DIFFERENCES_ABOVE)

    def database_advice_pointing(self, where: str) -> str:
        """:attr:`database_advice`, pointing at the differences with ``where``."""
        if self.never_migrated:
            from alembic_steward.inspection._baseline import adopt_advice

            return adopt_advice(where)
        if self.built_broken:
            from alembic_steward.inspection._broken_builds import broken_build_advice

            differs = broken_build_advice(where, self.built_broken)
            if self.models and self.models.lines:
                return f"{differs}; the models differ from the migrations too: {self.models.advice}"
            return differs
        if self.hand_fixed and not self.pending:
            return self.hand_fixed_advice(where)
        if self.pending and self.enum_values and self.built_by and self.enum_values_upgrade:
            from alembic_steward.inspection._enum_value_revision import upgrade_keeps_them_advice

            revision = self.built_by.revisions[0]
            return upgrade_keeps_them_advice(where, self.enum_values, revision)
        if self.pending and self.pending_sqlite_trial is not None:
            from alembic_steward.inspection._sqlite_trial_advice import told_by_rules, trial_advice

            trial = self.pending_sqlite_trial
            if not told_by_rules(trial, self.pending_dependents):
                return trial_advice(
                    where, trial, self.failed_run, self.accepted_left, self.downgrade_left
                )
        if self.pending and self.pending_runs_through:
            from alembic_steward.inspection._pending_runs_through import runs_through_advice

            return runs_through_advice(where, self.failed_run)
        if self.pending and self.pending_broken and self.pending_leave_them:
            from alembic_steward.inspection._broken_builds import broken_build_advice

            return broken_build_advice(where, self.pending_broken)  # a revision after them
        tried = not self.pending_failure and not self.pending_dependents
        if self.pending and self.pending_broken and tried:
            from alembic_steward.inspection._broken_builds import pending_broken_advice

            return pending_broken_advice(where, self.pending_broken)
        if self.built_by:
            return stamped_wrongly_advice(where, self.built_by)
        if self.pending and self.enum_values:  # behind head, set only when they are all
            from alembic_steward.inspection._enum_value_revision import (
                pending_enum_values_advice,
            )

            return pending_enum_values_advice(where, self.enum_values, self.enum_values_revision)
        if self.pending and self.pending_trial and self.pending_trial.tried:
            from alembic_steward.inspection._pending_trial import trial_advice

            trial = self.pending_trial
            return trial_advice(where, trial, self.failed_run, self.downgrade_left)
        if self.pending and self.pending_failure:
            from alembic_steward.inspection._pending_past_changes import failing_past_advice

            on_rows = self.pending_failure_on_rows
            return failing_past_advice(
                where,
                self.pending_failure,
                self.restoring,
                on_rows,
                self.briefs,
                self.accepted_left,
            )
        if self.pending and self.pending_dependents:
            from alembic_steward.inspection._hand_made_dependents import dependents_advice

            return dependents_advice(where, self.pending_dependents)
        if self.pending and self.pending_leave_them and self.failed_run:
            from alembic_steward.inspection._pending_past_changes import failed_past_advice

            return failed_past_advice(where, self.failed_run, self.restoring, self.accepted_left)
        if self.pending and self.pending_leave_them:
            from alembic_steward.inspection._pending_past_changes import pending_past_advice

            return pending_past_advice(where, self.restoring, self.briefs, self.accepted_left)
        if self.pending and self.downgrade_left:
            from alembic_steward.inspection._pending_trial import not_tried_note
            from alembic_steward.runtime._downgrade_runs import downgrade_left_advice

            left = downgrade_left_advice(where, list(self.downgrade_left))
            return f"{left}{not_tried_note(self.pending_trial)}"
        if self.pending:
            from alembic_steward.inspection._pending_trial import not_tried_note

            differs = pending_database_differs_advice(where, self.restoring, self.briefs)
            return f"{differs}{not_tried_note(self.pending_trial)}"
        if self.enum_values_alone:
            from alembic_steward.inspection._enum_values import enum_values_alone_advice

            differs = enum_values_alone_advice(where, self.enum_values)
            if self.models and self.models.lines:
                return f"{differs}; the models differ from the migrations too: {self.models.advice}"
            return differs
        if self.additions and self.models_hold_additions:
            return kept_additions_advice(where, self.additions, self.rebuild)
        differs = database_differs_advice(
            where,
            self.additions,
            self.enum_values,
            lacking=self.lacking,
            restoring=self.restoring,
            runs_elsewhere=self.runs_elsewhere,
            rebuild=self.rebuild,
        )
        if self.models and self.models.lines:
            return (
                f"{differs}; the models differ from the migrations too: once the database"
                f" matches, {self.models.advice}"
            )
        if self.enum_values:
            # Their revision is advised above: "write no revision" would contradict it.
            return f"{differs}; besides that, the models match: write no other revision for this"
        return f"{differs}; the models match, so write no revision for this"

    def hand_fixed_advice(self, where: str) -> str:
        """:attr:`database_advice` where routines its revisions build broken were fixed by
        hand: those kept in a new revision, what else differs undone as ever."""
        from alembic_steward.inspection._hand_fixed_objects import hand_fix_advice

        keep = hand_fix_advice(self.hand_fixed)
        if self.hand_fixed_covers < len(self.database or ()):  # other differences: undone
            rest = database_differs_advice(
                where,
                enum_values=self.enum_values,
                lacking=self.lacking,
                restoring=self.restoring,
                runs_elsewhere=self.runs_elsewhere,
            )
            differs = f"{rest}; besides, {keep}"
        else:
            differs = f"the database is not what its revision builds {where}: {keep}"
        if self.models and self.models.lines:
            return f"{differs}; the models differ from the migrations too: {self.models.advice}"
        return differs

    def not_compared_with(self, drift: list[str]) -> bool:
        """Whether the verdict, the models differing by ``drift``, is the comparison not made:
        with the models matching the database (nothing else was seen), with the models not
        described at all (no scratch database allowed), or with a history that fails on an empty
        database (a revision written for ``drift`` could not be checked)."""
        return bool(self.skipped) and (
            self.history_fails or self.comparison_fails or self.models_unread or not drift
        )

    @property
    def not_compared_advice(self) -> str:
        """Why the models were not compared with what the migrations build, and what to do."""
        from alembic_steward.inspection._unbuilt_revisions import not_compared_advice

        return not_compared_advice(self)

    @property
    def skipped_line(self) -> str:
        return (
            f"{self.not_compared_line}; so the advice below assumes the database is exactly what"
            " its migrations made"
        )

    @property
    def not_compared_line(self) -> str:
        """``skipped`` alone, where no advice rests on it (the verdict is that it was skipped)."""
        return f"not compared with what its revision builds: {self.skipped}"


def pending_sides(connection: Connection, current: list[str], pending: list[str]) -> DriftSides:
    """Behind head: what the live database has that its revision does not build (or lacks),
    and, when nothing, whether the ``pending`` revisions (oldest first) run on that revision.

    Such a difference is what a failed run left (a committed autocommit_block(), a
    MySQL/MariaDB migration whose mark was cleared) or a hand change, and the pending
    migrations would fail on it; a pending revision that fails on a scratch database (one
    whose upgrade failed and was rolled back) would fail again: either way "run `inv
    db.upgrade`" would be untrue advice.
    """
    from alembic_steward.inspection._catalog_drift import DATABASE, OWN_REVISION
    from alembic_steward.inspection._revision_comparison import compare_with_revision

    compared = compare_with_revision(connection, current, pending, try_pending=True, earlier=True)
    if not compared.found:  # none, or no comparison could be made: the pending verdict stands
        return DriftSides(
            database=None,
            models=None,
            pending_failure=compared.pending_failure,
            pending_failure_on_rows=compared.pending_failure_on_rows,
        )
    lines = [difference.line(OWN_REVISION, DATABASE) for difference in compared.found]
    # Values added to enum types, when they are every difference: no undo exists for them.
    from alembic_steward.inspection._enum_values import enum_values_added, enum_values_only

    alone = enum_values_only(compared.found)
    values = enum_values_added(compared.found) if alone else []
    from alembic_steward.inspection._baseline import adoptable
    from alembic_steward.inspection._enum_value_revision import (
        revision_adding,
        upgrade_runs_through,
    )

    built_by = compared.built_by
    # A pending revision builds exactly the database, values and all: when the upgrade runs
    # through them, it is the advice (a stamp's "else undo them by hand" cannot be done).
    kept_by_upgrade = (
        bool(values)
        and built_by is not None
        and not built_by.earlier
        and upgrade_runs_through(connection, current, pending, values)
    )
    return DriftSides(
        database=lines,
        models=None,
        pending=True,
        never_migrated=not current and adoptable(connection),
        built_by=built_by,
        enum_values=tuple(values),
        enum_values_revision=revision_adding(values, pending) if values else None,
        enum_values_upgrade=kept_by_upgrade,
        pending_leave_them=compared.later_leave_them,
        pending_dependents=compared.dependents,
        pending_failure=compared.pending_failure,
        pending_failure_on_rows=compared.pending_failure_on_rows,
        restoring=compared.restoring,
        briefs=tuple(difference.brief() for difference in compared.found),
        accepted_left=tuple(accepted_edits_left(compared.found)),
        pending_runs_through=compared.runs_through,
        pending_sqlite_trial=compared.sqlite_trial,
        pending_trial=compared.trial,
        pending_broken=compared.built_broken,
    )


def accepted_edits_left(found: Sequence[Difference]) -> list[str]:
    """The edits accepted here that left every one of ``found`` (all additions), or []."""
    from alembic_steward.inspection._differing_causes import app_history
    from alembic_steward.runtime._accepted_edits import left_by_accepted_edits

    added = additions_only(found)
    script = app_history() if added else None
    return left_by_accepted_edits(script, added) if script is not None else []


def described_schemas(connection: Connection) -> list[str]:
    """The models' other schemas, where a catalog can describe them (PostgreSQL)."""
    from alembic_steward.runtime._bookkeeping import model_schemas

    return sorted(model_schemas()) if connection.dialect.name == "postgresql" else []


def compare_drift_sides(connection: Connection, revisions: list[str]) -> DriftSides:
    """Rebuild ``revisions`` (the live database's own) in a scratch database and compare."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused, revision_built

    try:
        with revision_built(blocking_url(connection), revisions) as scratch:
            return compare_with_scratch(connection, scratch)
    except (ScratchDatabaseRefused, CommandError, SQLAlchemyError) as error:
        from alembic_steward.inspection._unbuilt_revisions import unbuilt

        return unbuilt(error)


def blocking_url(connection: Connection) -> URL:
    """The URL of ``connection``'s database, with a blocking driver (a scratch build's)."""
    from sqlalchemy.engine import make_url

    from alembic_steward.urls import with_driver

    url = connection.engine.url
    if not connection.dialect.is_async:
        return url
    plain = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=False)
    return make_url(with_driver(plain, use_async=False))


def compare_with_scratch(live: Connection, scratch: Connection) -> DriftSides:
    """Compare the live database and the models with ``scratch``, at the database's revision."""
    from alembic_steward.inspection._drift import read_model_drift

    built = reflect_migrated_schema(scratch)
    database = database_differences(live, built)
    additions = tuple(additions_named(database))
    return DriftSides(database=database, models=read_model_drift(scratch), additions=additions)


def reflect_migrated_schema(connection: Connection) -> MetaData:
    """Read the tables the migrations made, without Alembic's and our bookkeeping tables."""
    from sqlalchemy import MetaData

    from alembic_steward.runtime._bookkeeping import BOOKKEEPING_TABLES

    skipped = {*BOOKKEEPING_TABLES, "alembic_version"}
    metadata = MetaData()
    metadata.reflect(connection, only=lambda name, _: name not in skipped)
    return metadata


def database_differences(live: Connection, built: MetaData) -> list[str]:
    """Describe how the live database differs from ``built``, in the database's terms."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.inspection._drift import describe_difference
    from alembic_steward.runtime._bookkeeping import include_name
    from alembic_steward.runtime._sequence_default_schemas import (
        read_sequence_defaults_as_the_server_has_them,
    )

    read_sequence_defaults_as_the_server_has_them()
    context = MigrationContext.configure(
        live, opts={"compare_type": True, "include_name": include_name}
    )
    with warnings.catch_warnings():
        ignore_skipped_expression_indexes()
        differences = compare_metadata(context, built)
    # A missing (or unexpected) table's indexes go with it: naming them too would only repeat it.
    tables = {kind: {d[1].name for d in differences if kind_of(d) == kind} for kind in TABLE_KINDS}
    return [
        database_side(describe_difference(diff))
        for diff in differences
        if not (
            kind_of(diff) in INDEX_KINDS
            and diff[1].table.name in tables[INDEX_KINDS[kind_of(diff)]]
        )
    ]


def kind_of(diff: tuple | list) -> str:
    """The kind of one of compare_metadata's differences: a tuple ("add_table", table, ...), or
    for a column's changes a list of tuples ("modify_type", schema, table, column, ...)."""
    return diff[0][0] if isinstance(diff, list) else diff[0]


def database_side(description: str) -> str:
    """Turn `add_column users.name` (what autogenerate would write) into `missing column ...`."""
    kind, _, subject = description.partition(" ")
    action, _, thing = kind.partition("_")
    words = DATABASE_SIDE_WORDS.get(action)
    return f"{words} {thing.replace('_', ' ')} {subject}" if words else description
