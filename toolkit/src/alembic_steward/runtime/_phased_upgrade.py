"""`upgrade --phase expand`: apply the pending expand revisions, stop before the first contract.

A rolling deploy runs the expand phase before the new code starts (the old code keeps working
against it) and the rest, `--phase contract` or a plain upgrade, once no old code is left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic.util import CommandError

from alembic_steward.runtime._phase_labels import CONTRACT, EXPAND, PHASES, phase_of_file
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


def upgrade_phase(config: Config, phase: str, current: tuple[str, ...]) -> str:
    """Upgrade the database at ``current`` through ``phase`` (expand: up to the first pending
    contract revision; contract: to head); return the line saying where it stopped.

    Raises CommandError for an unknown phase, several heads or PhaseOrderError, before running
    anything.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    if phase not in PHASES:
        raise CommandError(f"unknown phase {phase!r}; use {' or '.join(PHASES)}")
    script = ScriptDirectory.from_config(config)
    pending = pending_revisions(script, current)
    if phase != EXPAND:
        command.upgrade(config, "head")
        return "Applied every pending revision (expand and contract): the database is at head."
    target, contract = expand_phase_end(pending)
    if target is not None:
        command.upgrade(config, target)
    done = f"Applied the expand phase up to {target}" if target else "No expand revision pending"
    if contract is None:
        return f"{done}: the database is at head."
    return (
        f"{done}; contract revision {contract.revision} is pending: apply it once no code of"
        f" the previous release is running (`{upgrade_command()} --phase contract`)"
    )
