"""Find applied revisions re-pointed onto revisions this database never ran (a rebased branch).

The version table names only the newest revisions applied; everything below them in the files
counts as applied. When a branch is rebased after its revisions ran, and one of them is
re-pointed (its down_revision changed) onto another branch's revisions, those look applied but
never ran here, and `db.upgrade` has nothing to do. The checksum table says what did run: each
revision run here has a row, a checksum of its file as it ran, down_revision included. So a
recorded revision whose parent has no row, and whose file matches its row only with another
down_revision, was re-pointed; the revisions now below it but not below the parent it ran on,
without a row, never ran. Revisions without rows for other reasons (applied before checksums
were kept, stamped, or applied offline) are never reported: only a re-pointed file is proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alembic.util import CommandError

from alembic_steward._checksum_format import checksums_with_parent, is_first_format
from alembic_steward.runtime._half_applied_marks import down_revisions
from alembic_steward.runtime._revision_checksums import (
    ACCEPT_EDIT_TASK,
    matches_file,
    recorded_values,
)

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection


@dataclass(frozen=True)
class RepointedRevision:
    """An applied revision whose down_revision changed since it ran here, and what that hid."""

    revision: str
    # The parent it had when it ran here; None when it was then a first revision.
    ran_on: str | None
    now_on: tuple[str, ...]
    # The revisions now below it that never ran on this database, oldest first.
    never_ran: tuple[str, ...]


class RepointedHistory(CommandError):
    """A migration run refused: revisions the database counts as applied never ran there."""


def repointed_revisions(
    connection: Connection, script: ScriptDirectory, current: list[str]
) -> list[RepointedRevision]:
    """Return the applied revisions re-pointed onto revisions this database never ran."""
    # Every migration run asks, so the common case costs one read and a lookup per row: only
    # a recorded revision whose parent has no row is looked at further.
    rows = recorded_values(connection) if current else {}
    if not rows or not all(in_history(script, revision) for revision in current):
        return []  # nothing recorded is no proof; a revision this checkout lacks is its own error
    suspects = [
        revision
        for revision in sorted(rows)
        if in_history(script, revision) and not set(parents_of(script, revision)) <= rows.keys()
    ]
    applied = ancestors(script, tuple(current)) if suspects else set()
    found = []
    for revision in (suspect for suspect in suspects if suspect in applied):
        checksum, path = rows[revision], script.get_revision(revision).path
        if is_first_format(checksum) or matches_file(checksum, path):
            continue  # it ran as it is: its parents were stamped, applied offline, or older
        ran_on = parent_it_ran_on(script, path, checksum)
        if ran_on is None:
            continue  # edited in another way: reported as an edit
        below_now = ancestors(script, parents_of(script, revision))
        missing = below_now - ancestors(script, ran_on[0]) - rows.keys()
        if missing:
            never_ran = tuple(r for r in oldest_first(script) if r in missing)
            found.append(
                RepointedRevision(revision, ran_on[0], parents_of(script, revision), never_ran)
            )
    return found


def in_history(script: ScriptDirectory, revision: str) -> bool:
    """Whether a file declares exactly ``revision`` (not merely an id it is a prefix of)."""
    from alembic.script.revision import RevisionError

    try:
        found = script.revision_map.get_revision(revision)
    except RevisionError:
        return False
    return found is not None and found.revision == revision


def parents_of(script: ScriptDirectory, revision: str) -> tuple[str, ...]:
    return down_revisions(script.get_revision(revision).down_revision)


def parent_it_ran_on(script: ScriptDirectory, path: str, checksum: str) -> tuple[str | None] | None:
    """The down_revision with which the file at ``path`` has ``checksum``, in a 1-tuple, or None."""
    from pathlib import Path

    candidates: list[str | None] = [None, *(r.revision for r in script.walk_revisions())]
    try:
        checksums = checksums_with_parent(Path(path).read_text(encoding="utf-8"), candidates)
    except (SyntaxError, ValueError):
        return None
    matching = [parent for parent, value in checksums.items() if value == checksum]
    return (matching[0],) if matching else None


def ancestors(script: ScriptDirectory, revisions: str | tuple[str, ...] | None) -> set[str]:
    """``revisions`` and every revision below them; nothing for None (base)."""
    if not revisions:
        return set()
    return {revision.revision for revision in script.iterate_revisions(revisions, "base")}


def oldest_first(script: ScriptDirectory) -> list[str]:
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def repointed_message(repointed: list[RepointedRevision], current: list[str]) -> str:
    """Say which revisions never ran though they look applied, and the two ways to mend it."""
    first = repointed[0]
    never_ran = list(dict.fromkeys(revision for item in repointed for revision in item.never_ran))
    listed = ", ".join(never_ran)
    count = "counts" if len(never_ran) == 1 else "count"
    old_parent = first.ran_on or "base"
    from alembic_steward.runtime._advice import advised, bound_tenant_options, installed_service

    accepted = " ".join(f"-r {item.revision}" for item in repointed)
    tenants = bound_tenant_options("--tenants")
    accepted += tenants
    upgrade = advised(f"db.upgrade{tenants}", f"upgrade{tenants}")
    # An installed service has no accept-edit: a checkout of the same release does it.
    where = (
        "from a checkout, with DATABASE_URL naming this database, " if installed_service() else ""
    )
    return (
        f"the database is at {', '.join(current)}, but revision {first.revision} was re-pointed"
        f" since it ran here (it ran on {old_parent}; its file now follows"
        f" {', '.join(first.now_on)}, as after a rebase), so {listed} {count} as applied but"
        " never ran on this database; check out the history from before the rebase, run"
        f" `inv db.downgrade -r {old_parent}` there and {upgrade} here, or apply the"
        f" upgrade() of {listed} by hand and then {where}`{ACCEPT_EDIT_TASK} {accepted}`"
    )


def refuse_repointed_history(connection: Connection, script: ScriptDirectory) -> list[str]:
    """Stop a migration run, in one line, on a database whose applied history was rewritten;
    return the revisions the database is at, read for it (under the migration lock)."""
    from alembic.runtime.migration import MigrationContext

    began_reading = not connection.in_transaction()
    current = list(MigrationContext.configure(connection).get_current_heads())
    repointed = repointed_revisions(connection, script, current)
    if began_reading:
        # End the read's implicit transaction: Alembic would take an open one as the caller's.
        connection.rollback()
    if repointed:
        raise RepointedHistory(f"{repointed_message(repointed, current)}; nothing was run")
    return current
