"""`upgrade --phase expand`: apply the pending expand revisions, stop before the first contract.

A rolling deploy runs the expand phase before the new code starts (the old code keeps working
against it) and the rest, `--phase contract` or a plain upgrade, once no old code is left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic.util import CommandError

from alembic_steward.runtime._phase_labels import (
    CONTRACT,
    EXPAND,
    PHASES,
    label_in_text,
    phase_of_file,
)
from alembic_steward.runtime._up_to_date import upgrade_command

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory


class PhaseOrderError(CommandError):
    """An expand revision follows a pending contract one: the expand phase cannot reach it."""


def pending_revisions(script: ScriptDirectory, current: tuple[str, ...]) -> list[Script]:
    """The revisions between ``current`` and the single head, oldest first."""
    from alembic_steward.inspection._database_state import several_heads_message

    heads = list(script.get_heads())
    if len(heads) > 1:
        raise CommandError(several_heads_message(heads))
    if not heads:
        return []
    return list(reversed(list(script.iterate_revisions(heads[0], current or "base"))))


def expand_phase_end(pending: list[Script]) -> tuple[str | None, Script | None]:
    """(the last revision the expand phase applies or None, the first pending contract one or
    None); raises PhaseOrderError, naming both, when an expand revision follows a contract one."""
    last_expand: str | None = None
    first_contract: Script | None = None
    for revision in pending:
        if phase_of_file(revision.path) == CONTRACT:
            first_contract = first_contract or revision
        elif first_contract is not None:
            raise PhaseOrderError(
                f"expand revision {revision.revision} comes after contract revision"
                f" {first_contract.revision}, which is pending: the expand phase cannot apply it"
                " without the contract one, so nothing was run; move it before the contract"
                f" revision (edit their down_revision lines), or run `{upgrade_command()}` once"
                " no code of the previous release is running"
            )
        else:
            last_expand = revision.revision
    return last_expand, first_contract


def check_phase(phase: str) -> str:
    """Return ``phase`` if it is one of PHASES; else raise CommandError."""
    if phase not in PHASES:
        raise CommandError(f"unknown phase {phase!r}; use {' or '.join(PHASES)}")
    return phase


def phase_target(
    script: ScriptDirectory, phase: str, current: tuple[str, ...]
) -> tuple[str | None, Script | None]:
    """Where an upgrade through ``phase`` of a database at ``current`` stops: (the target
    revision, or None when the phase has nothing to apply; the pending contract revision it
    stops before, or None).

    Raises CommandError for an unknown phase, several heads or PhaseOrderError.
    """
    check_phase(phase)
    # Also where several heads are refused, whichever the phase.
    pending = pending_revisions(script, current)
    if phase != EXPAND:
        return "head", None
    return expand_phase_end(pending)


def upgrade_phase(config: Config, phase: str, current: tuple[str, ...]) -> str:
    """Upgrade the database at ``current`` through ``phase`` (expand: up to the first pending
    contract revision; contract: to head); return the line saying where it stopped.

    Raises CommandError for an unknown phase, several heads or PhaseOrderError, before running
    anything.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    target, contract = phase_target(ScriptDirectory.from_config(config), phase, current)
    if phase != EXPAND:
        command.upgrade(config, "head")
        return "Applied every pending revision (expand and contract): the database is at head."
    if target is not None:
        command.upgrade(config, target)
    done = f"Applied the expand phase up to {target}" if target else "No expand revision pending"
    if contract is None:
        return f"{done}: the database is at head."
    return (
        f"{done}; contract revision {contract.revision} is pending: apply it once no code of"
        f" the previous release is running (`{upgrade_command()} --phase contract`)"
    )


def upgrade_phase_under_lock(config: Config, phase: str) -> str:
    """:func:`upgrade_phase` from where the database is once this run holds the migration lock:
    another run may move it while this one waits, and one that did is said (first)."""
    from alembic_steward.runtime._up_to_date import database_revisions
    from alembic_steward.runtime._waited_runs import holding_migration_lock

    check_phase(phase)  # before any wait for the lock
    with holding_migration_lock(f"upgrade --phase {phase}"):
        return upgrade_phase(config, phase, database_revisions(None))


def contract_phase_pending(script: ScriptDirectory, current: list[str]) -> list[str]:
    """The revisions between ``current`` and the single head, oldest first, when each is
    labelled contract: the expand phase has run and the contract phase has not; else [].

    Labelled, not merely unlabelled, as the start-up guard has it (runtime/_schema_fit.py): a
    history written without phases is not a rolling deploy's.
    """
    from pathlib import Path

    if not current or len(script.get_heads()) != 1:
        return []
    pending = pending_revisions(script, tuple(current))
    labels = [
        label_in_text(Path(revision.path).read_text(encoding="utf-8")) for revision in pending
    ]
    if pending and all(label == CONTRACT for label in labels):
        return [revision.revision for revision in pending]
    return []


def development_contract_advice(pending: list[str]) -> str:
    """What `inv db.status` says on a development database with contract revisions pending:
    the plain upgrade, and why a rolling deploy's contract phase has nothing to wait for here."""
    one = len(pending) == 1
    revisions = f"revision {pending[0]} is" if one else f"revisions {', '.join(pending)} are"
    return (
        f"pending migrations: run `{upgrade_command()}` (only contract {revisions} pending: a"
        f" rolling deploy applies {'it' if one else 'them'} with `--phase contract` once every"
        " replica runs the new code, but no rolling deploy serves a development database)"
    )


def contract_phase_advice(current: list[str], pending: list[str]) -> str:
    """What `inv db.status` says between a rolling deploy's expand and contract phases."""
    revisions = (
        f"revision {pending[0]} is" if len(pending) == 1 else f"revisions {', '.join(pending)} are"
    )
    return (
        # Not "the expand phase is applied": nothing says an expand phase ran (a new empty revision
        # is contract), only that no expand revision is left.
        f"no expand revision is pending (the database is at {', '.join(current)}) and contract"
        f" {revisions} pending: once every replica runs the new code, run"
        f" `{upgrade_command()} --phase contract`"
        # A blank revision is labelled contract too: no expand phase need have run.
        f" (without a rolling deploy, `{upgrade_command()}`, which runs the same)"
    )
