"""What a downgrade that failed part-way did itself, and which ways on would work.

Two things a failed downgrade's line used to get wrong. What the run's own earlier steps left
(a reverted revision whose downgrade() is empty, or forgets part of its upgrade()) was blamed
on "an earlier run or by hand": the revisions whose upgrade() names a leftover are read from
their files, as after a downgrade that finished (inspection/_leftover_makers.py). And a
downgrade() that raises by its own code (NotImplementedError, IrreversibleMigration, any error
not the database's) fails the same way each time it runs: "downgrade again" is then never the
advice; writing it, or giving the step up (stamping once its work is undone by hand), is.
Nor was a reverted revision whose downgrade() is empty named, as a finished downgrade warns:
its upgrade()'s rows stayed, unsaid, and status's "run the upgrade" ran it again over them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.runtime._downgrade_trials import DowngradeTrial
    from alembic_steward.runtime._migration_frames import MigrationFrame
    from alembic_steward.runtime._state_lines import StateAfterFailure

IRREVERSIBLE = "IrreversibleMigration"


@dataclass(frozen=True)
class RunLeftover:
    """A difference the run's own downgrade of ``revision`` left (``empty``: its downgrade()
    does nothing)."""

    brief: str
    revision: str
    empty: bool


def left_by_reverted(
    leftovers: tuple[str, ...], reverted: tuple[str, ...], half_run: MigrationFrame | None = None
) -> tuple[RunLeftover, ...]:
    """Of ``leftovers`` (`unexpected column items.extra`, `missing index items.ix_name`), those
    exactly one of ``reverted`` left: the one revision whose upgrade() quotes the object's name
    (else, for what is missing or different, whose downgrade() does); never raises.

    ``half_run``: where the downgrade() that failed half-way stopped (MySQL/MariaDB keeps what
    it ran): what its lines before that one name is its own half's doing (r2's downgrade() made
    orders again, r1's dropped it, then failed on users), never pinned on a reverted revision."""
    try:
        return tuple(read_makers(leftovers, reverted, half_run))
    except Exception:  # noqa: BLE001 - unread: the line says where they may come from
        return ()


def read_makers(
    leftovers: tuple[str, ...], reverted: tuple[str, ...], half_run: MigrationFrame | None = None
) -> list[RunLeftover]:
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._leftover_makers import revisions_naming, upgrade_texts
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._empty_downgrades import empty_downgrade

    script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    upgrades = upgrade_texts(script, reverted)
    downgrades = upgrade_texts(script, reverted, "downgrade")
    own = {half_run.revision: ran_before(half_run)} if half_run else {}
    made = []
    for brief in leftovers:
        name = named_object(brief)
        if revisions_naming(name, own):
            continue  # the half-run downgrade()'s own
        naming = revisions_naming(name, upgrades)
        if not naming and not brief.startswith("unexpected "):
            # What is missing or different: a reverted downgrade() may have dropped or changed
            # it without its upgrade() naming it.
            naming = revisions_naming(name, downgrades)
        if len(naming) == 1:
            path = script.get_revision(naming[0]).path
            made.append(RunLeftover(brief, naming[0], empty_downgrade(path)))
    return made


def ran_before(frame: MigrationFrame) -> str:
    """The lines of ``frame``'s function before the failing one: what had run."""
    import ast

    from alembic_steward._revision_functions import migration_function

    text = frame.path.read_text(encoding="utf-8")
    function = migration_function(ast.parse(text), frame.function)
    if function is None:
        return ""
    return "\n".join(text.splitlines()[function.lineno - 1 : frame.line - 1])


def named_object(brief: str) -> str:
    """The object's own name in a difference's brief: `ix_name` in `missing index
    items.ix_name`, `v` in `different view v (definition)`."""
    subject = brief.partition(" (")[0] if brief.endswith(")") else brief
    return subject.rpartition(" ")[2].rpartition(".")[2]


def raised_by_code(error: BaseException) -> str:
    """The name of ``error``'s type when the migration's own code raised it, so that running it
    again raises it again; "" for a signal, the database's error, or a wait given up (a lock
    held, a connection lost: the next run may pass)."""
    from sqlalchemy.exc import DBAPIError

    from alembic_steward.runtime._lock_retries import (
        LockTimeoutExhausted,
        LockWaitGaveUp,
        errors_in_chain,
    )

    if not isinstance(error, Exception):
        return ""
    passing = (DBAPIError, LockTimeoutExhausted, LockWaitGaveUp)
    if any(isinstance(found, passing) for found in errors_in_chain(error)):
        return ""
    # A revision that ended the process is named by what its code called, not our wrapper.
    return getattr(error, "raised", None) or type(error).__name__


def own_leftovers(made: tuple[RunLeftover, ...]) -> str:
    """`unexpected column items.extra, which the empty downgrade() of revision r3 left (this
    run reverted r3 without undoing what its upgrade() made)`, for each revision."""
    parts = []
    for revision in dict.fromkeys(leftover.revision for leftover in made):
        briefs = ", ".join(leftover.brief for leftover in made if leftover.revision == revision)
        if any(leftover.empty for leftover in made if leftover.revision == revision):
            parts.append(
                f"{briefs}, which the empty downgrade() of revision {revision} left (this run"
                f" reverted {revision} without undoing what its upgrade() made)"
            )
        else:
            parts.append(
                f"{briefs}, which the downgrade() of revision {revision} left (this run reverted"
                f" {revision}, and its downgrade() does not undo all its upgrade() made)"
            )
    return "; ".join(parts)


def makers_to_fix(made: tuple[RunLeftover, ...]) -> str:
    """` and write r3's downgrade() so it undoes them` ("" when none)."""
    revisions = list(dict.fromkeys(leftover.revision for leftover in made))
    if not revisions:
        return ""
    from alembic_steward._listing import listed

    whose = "downgrade()" if len(revisions) == 1 else "downgrade()s"
    return f", and write the {whose} of {listed(revisions)} so it undoes them too"


def again_after_undo(
    revision: str, parent: str, raised: str, trial: DowngradeTrial | None = None
) -> str:
    """What follows undoing by hand what the failed downgrade() of ``revision`` left: that
    downgrade again, unless its own code raised (it would raise again), or its ``trial`` on a
    scratch database failed the same way (runtime/_downgrade_trials.py): fixed first, then."""
    from alembic_steward.runtime._half_applied_marks import downgrade_again

    if not raised and trial is not None:
        return trial.again(parent)
    if not raised:
        return f"then {downgrade_again(parent)}"
    if raised == IRREVERSIBLE:
        return f"{revision} stays applied (it cannot be downgraded)"
    return f"{fix_first(revision, raised)} before downgrading it again"


def fix_first(revision: str, raised: str) -> str:
    """`write r2's downgrade() (it raises NotImplementedError)`, or `fix ...` for a bug."""
    verb = "write" if raised == "NotImplementedError" else "fix"
    return f"{verb} {revision}'s downgrade() (it raises {raised} each time it runs)"


def nothing_ran_ways(revision: str, parent: str, raised: str) -> str:
    """The ways on from a downgrade() that raised before it changed anything: write it, or
    give the step up (undo its upgrade()'s work by hand, then stamp its parent)."""
    from alembic_steward.runtime._half_applied_marks import downgrade_again, stamp_command

    if not raised or raised == IRREVERSIBLE:
        return ""
    return (
        f"; {fix_first(revision, raised)}, then {downgrade_again(parent)}; or, to give the step"
        f" up, undo what {revision}'s upgrade() made by hand and record that with"
        f" {stamp_command(parent.split(', '))}"
    )


def empty_reverted(finished: tuple[str, ...]) -> tuple[str, ...]:
    """Of the revisions a stopped downgrade had reverted, those whose downgrade() is empty
    (runtime/_empty_downgrades.py), as a finished downgrade warns of them; never raises."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._empty_downgrades import empty_reverts

    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        return tuple(empty_reverts(script, finished))
    except Exception:  # noqa: BLE001 - unread: the line names what was reverted, no more
        return ()


def remember_stopped_downgrade(
    connection: Connection, state: StateAfterFailure, error: BaseException
) -> None:
    """Keep what the stopped downgrade's finished steps left (a leftover its line blames on
    one, or all an empty downgrade() left), as a finished downgrade does, so `inv db.status`
    says so beside the upgrade it advises (runtime/_downgrade_runs.py); and, on MySQL/MariaDB,
    what its own code raised where it left its mark (runtime/_raising_downgrades.py)."""
    from alembic_steward.runtime._downgrade_runs import record_downgrade_leftovers
    from alembic_steward.runtime._downgrade_trials import FAILS
    from alembic_steward.runtime._migration_frames import migration_frame
    from alembic_steward.runtime._raising_downgrades import remember_raising_downgrade

    with contextlib.suppress(Exception):  # never in place of the run's own error
        frame = migration_frame(error)
        if state.marked and frame is not None and frame.function == "downgrade":
            trial = state.trial
            fault = trial.fix_first() if trial and trial.verdict == FAILS else ""
            left = state.leftovers or ()
            remember_raising_downgrade(
                connection.engine.url, frame, state.raised, left, fault, state.hand_blockers
            )
    makers = list(dict.fromkeys(leftover.revision for leftover in state.run_left))
    if state.heads is None or not (makers or state.emptied):
        return  # nothing of this run's: an earlier downgrade's record, if any, is kept
    with contextlib.suppress(Exception):
        record_downgrade_leftovers(connection, list(state.heads), makers, list(state.emptied))
