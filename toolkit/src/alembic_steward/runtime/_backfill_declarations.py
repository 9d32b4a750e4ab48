"""The backfills a history declares: each revision module's ``backfills`` list, by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

    from alembic_steward.backfills import Backfill


class BackfillDeclarationError(ValueError):
    """A revision's ``backfills`` is not a list of Backfill, or two revisions use one name."""


@dataclass(frozen=True)
class Declared:
    """A backfill and the revision that declares it (it may run once that one is applied)."""

    backfill: Backfill
    revision: str


def declared_backfills(script: ScriptDirectory) -> dict[str, Declared]:
    """Every declared backfill by name, oldest revision first. Raises BackfillDeclarationError."""
    from alembic_steward.backfills import Backfill

    found: dict[str, Declared] = {}
    for revision in reversed(list(script.walk_revisions())):
        listed = getattr(revision.module, "backfills", None)
        if listed is None:
            continue
        if not isinstance(listed, (list, tuple)) or not all(
            isinstance(each, Backfill) for each in listed
        ):
            raise BackfillDeclarationError(
                f"revision {revision.revision}: `backfills` must be a list of"
                " alembic_steward.backfills.Backfill"
            )
        for backfill in listed:
            if backfill.name in found:
                raise BackfillDeclarationError(
                    f"backfill {backfill.name} is declared by revisions"
                    f" {found[backfill.name].revision} and {revision.revision}; names are unique"
                )
            found[backfill.name] = Declared(backfill, revision.revision)
    return found


def applied_revisions(script: ScriptDirectory, connection: Connection) -> set[str]:
    """The revisions applied to ``connection``'s database: its heads and all below them."""
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    if connection.in_transaction():
        connection.commit()
    return {each.revision for each in script.iterate_revisions(heads, "base")}
