"""Status's words for what the pending revisions did on a copy of a SQLite database's schema
(inspection/_sqlite_schema_copy.py): they fail at a revision, with SQLite's error; they run and
keep the hand-made objects; or they run but drop some, each named with the statement that
makes it again."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from alembic_steward.inspection._hand_made_dependents import Dependent
    from alembic_steward.inspection._sqlite_schema_copy import HandObject, SqliteTrial

TRIED = "tried on a copy of this database's schema (every table, index, view and trigger; no rows)"


def drop_statement(each: HandObject) -> str:
    return f"DROP {each.kind.upper()} {each.name}"


def if_exists(objects: Sequence[HandObject]) -> str:
    """The drops a revision can run on every database, the ones without them too."""
    return "; ".join(f"`DROP {each.kind.upper()} IF EXISTS {each.name}`" for each in objects)


def listed(objects: Sequence[HandObject]) -> str:
    return ", ".join(f"{each.kind} {each.subject}" for each in objects)


def trial_advice(
    where: str,
    trial: SqliteTrial,
    failed_run: str = "",
    accepted_left: Sequence[str] = (),
    downgrade_left: Sequence[str] = (),
) -> str:
    """The advice behind head when every difference is an index, view or trigger no revision
    builds and the pending revisions were run on a copy of the schema (``failed_run``: the last
    upgrade from here, recorded as failed, in words, if one is; ``accepted_left``: the
    revisions whose accepted edits left them, when they left every one; ``downgrade_left``:
    the revisions whose downgrade(), the last run here, left them)."""
    from alembic_steward.inspection._drift_sides import stamp_and_upgrade_commands
    from alembic_steward.inspection._kept_by_revision import remade_by_revision
    from alembic_steward.inspection._pending_past_changes import past_causes
    from alembic_steward.runtime._downgrade_runs import recorded_makers

    _, upgrade = stamp_and_upgrade_commands()
    cause = "made by hand"
    if accepted_left:
        cause = past_causes(accepted_left)
    elif downgrade_left:
        whose, _, those = recorded_makers(list(downgrade_left))
        cause = (
            f"most likely left by {whose}, the last run recorded here (make {those} undo them too)"
        )
    opening = (
        f"the database is not what its revision builds {where}: {listed(trial.hand)}, {cause};"
        f" the pending migrations, {TRIED},"
    )
    rows = (
        f"; {failed_run}: if that was on the rows, fix them first (the trial reads none)"
        if failed_run
        else ""
    )
    if trial.failed_at and trial.blocking:
        them = "it" if len(trial.blocking) == 1 else "them"
        drops = "; ".join(f"`{drop_statement(each)}`" for each in trial.blocking)
        makes = "; ".join(f"`{each.statement}`" for each in trial.blocking)
        names = "s" if them == "it" else ""
        without = f"({makes}, written without what the upgrade removed if {them} name{names} it)"
        then = f"; with {them} dropped, they pass, but {lost(trial)}" if trial.dropped else ""
        return (
            f"{opening} fail at revision {trial.failed_at} ({trial.reason}): SQLite checks"
            f" {listed(trial.blocking)} when the revision changes the table it reads, so"
            f" {upgrade} fails the same way: drop {them} by hand first ({drops}), run {upgrade},"
            f" then {remade_by_revision(them, without)}; or have that revision do both"
            f" ({if_exists(trial.blocking)} before its batch operation, the CREATE after)"
            f"{then}"
        )
    if trial.failed_at:
        return (
            f"{opening} fail at revision {trial.failed_at} ({trial.reason}), so {upgrade} would"
            f" most likely fail the same way: fix that revision's file, or undo those objects by"
            f" hand first ({'; '.join(f'`{drop_statement(each)}`' for each in trial.hand)}),"
            f" then run {upgrade}"
        )
    if trial.broken:
        them = "it" if len(trial.broken) == 1 else "them"
        failing = "; ".join(f"{each.kind} {each.subject} ({why})" for each, why in trial.broken)
        undo = [each for each, _ in trial.broken]
        stood = "; ".join(f"`{each.statement}`" for each in undo)
        without = f"written without what the upgrade removed ({stood} as {them} stood)"
        return (
            f"{opening} pass, but leave {failing} failing{rows}: drop {them} by hand before"
            f" {upgrade} ({'; '.join(f'`{drop_statement(each)}`' for each in undo)}); to keep"
            f" {them}, {remade_by_revision(them, without)}"
        )
    if trial.dropped:
        return f"{opening} pass, but {lost(trial)}{rows}; then run {upgrade}"
    them = "it" if len(trial.hand) == 1 else "them"
    return (
        f"{opening} pass, so {upgrade} runs, and keeps {them} as"
        f" {'it is' if them == 'it' else 'they are'}{rows}; to have the migrations build {them}"
        f" too, add {them} to a revision"
    )


def lost(trial: SqliteTrial) -> str:
    """What the revisions drop of the hand-made objects, each with the statement to add."""
    return "; ".join(
        f"revision {revision} drops {each.kind} {each.subject} (SQLite's batch mode recreates"
        f" table {each.table} without it): add `op.execute({each.statement!r})` to that"
        " revision after its batch operation, or run it by hand after the upgrade"
        for each, revision in trial.dropped
    )


def told_by_rules(trial: SqliteTrial, dependents: Sequence[Dependent]) -> bool:
    """Whether the hand-made dependents status names by rule (inspection/_hand_made_dependents.py)
    are every object the trial says to drop first: their advice, naming the columns the
    revisions drop, is then the more precise one."""
    undo = {drop_statement(each) for each in trial.to_undo}
    return bool(undo) and undo <= {dependent.drop for dependent in dependents}
