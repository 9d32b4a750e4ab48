"""Read where the database stands, and refuse in one line the states no migration can move.

Every task that reads the database's revision goes through `read_database_state`, so a revision
this checkout lacks, a half-applied MySQL/MariaDB migration (or, when its run still holds the
migration lock, one running now) or a history with several heads is reported the same way, in
one line that names a way out that works.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import URL, Connection

    from alembic_steward.runtime._mark_directions import Mark
    from alembic_steward.runtime._repointed_revisions import RepointedRevision

# The one advice for several heads, in every task's line (db.lint's head file, db.status,
# db.check, the refusals): both ways out, as both work while this branch's revisions ran nowhere;
# the rebase only where it can run (heads_advice).
REBASE_ADVICE = (
    "run `inv db.rebase` to move this branch's revisions onto the other head (while none of"
    " them is applied or published), or "
)
MERGE_ADVICE = '`inv db.merge -m "Merge heads"` to join the heads into one'


@dataclass(frozen=True)
class DatabaseState:
    """The revisions stamped in the database, and what blocks moving it, if anything."""

    current: list[str]
    heads: list[str]
    # Stamped revisions that versions/ does not have (usually applied from another git branch).
    unknown: list[str]
    # The revision a MySQL/MariaDB run stopped after, when it left its in-progress mark.
    half_applied_after: str | None
    # Applied revisions re-pointed since they ran, onto revisions that never ran here.
    repointed: list[RepointedRevision] = field(default_factory=list)
    # With a mark: the run holding the migration lock now, whose own mark it is (not stopped).
    running: str | None = None
    # With a mark: which way its run went, "upgrade" or "downgrade"; None: an older release's
    # mark, which does not say (runtime/_mark_directions.py).
    half_applied_direction: str | None = None
    # The database's URL, which the cache's records are kept by (runtime/_failed_runs.py).
    url: URL | None = None

    @property
    def several_heads(self) -> bool:
        return len(self.heads) > 1

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)


def unknown_revision_message(unknown: list[str]) -> str:
    """Say that this checkout lacks the database's revision, and the three ways out (or, for a
    revision a squash replaced, the one way)."""
    from alembic_steward.runtime._advice import bound_tenant_options, installed_service

    # A tenant's row (a fan-out's status) names the commands that act on that tenant alone.
    tenant, tenants = bound_tenant_options(), bound_tenant_options("--tenants")
    named = ", ".join(unknown)
    squashes = squashed_into(unknown)
    if squashes:
        into = ", ".join(sorted(set(squashes.values())))
        return (
            f"the database is at revision {named}, which revision {into} squashed (its file"
            f" declares `squashes`): this database is below {into}, so upgrade it to {into} with"
            f" the history from before the squash (check that commit out, `inv db.upgrade -r"
            f" {into}{tenants}`), then this checkout's history goes on from there"
        )
    if installed_service():
        # No checkout here, so no stamp --purge or reset: a release that has the revision does.
        return (
            f"the database is at revision {named}, which this installed release does not have"
            " (a newer release, or another branch's, applied it); run a release that has it, or"
            f" from a checkout that has it, `inv db.downgrade -r REV{tenants}` to a revision"
            " this release has"
        )
    downgrade = f" (`inv db.downgrade -r REV{tenants}`)" if tenant else ""
    reset = "" if tenant else ", or in development start over with `inv db.reset`"
    return (
        f"the database is at revision {named}, which this checkout's app/migrations/versions/"
        f" does not have (it was probably applied from another git branch); check out the"
        f" branch that has it and downgrade there{downgrade}, or record a revision this"
        f" checkout has with `inv db.stamp --purge -r REV{tenant}`{reset}"
    )


def squashed_into(revisions: list[str]) -> dict[str, str]:
    """Which of ``revisions`` a squash in this checkout replaced: revision -> the squash's id."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.lint._released import REVISION_LINE, squashed_ids

    found: dict[str, str] = {}
    try:
        paths = sorted(active_steward().versions_dir.glob("*.py"))
        for path in paths:
            text = path.read_text(encoding="utf-8")
            squashed = squashed_ids(text) & set(revisions)
            own = REVISION_LINE.search(text)
            if squashed and own:
                found.update(dict.fromkeys(squashed, own[1]))
    except OSError:
        return {}
    return found


def several_heads_message(heads: list[str]) -> str:
    return f"the history has several heads ({', '.join(heads)}); {heads_advice()}"


def heads_advice(versions: Path | None = None) -> str:
    """The way out of several heads: `inv db.rebase` or `inv db.merge`, the rebase only where it
    runs: in a git checkout whose remote has a default branch to move onto (tasks/_rebase.py
    refuses elsewhere); `inv db.merge` alone otherwise. ``versions``: the history's folder
    (default: the wiring's)."""
    if versions is None:
        from alembic_steward._wiring import WiringError, active_steward

        try:
            versions = active_steward().versions_dir
        except WiringError:
            return f"run {MERGE_ADVICE}"
    if rebase_can_run(Path(versions).resolve()):
        return REBASE_ADVICE + MERGE_ADVICE
    return f"run {MERGE_ADVICE}"


@functools.cache
def rebase_can_run(versions: Path) -> bool:
    """Whether `inv db.rebase` finds what it needs: a git checkout holding ``versions`` and a
    branch to move onto by default (origin/HEAD, origin/main or origin/master)."""
    from alembic_steward.tasks._git import GitError, checkout_root, default_remote_branch

    try:
        return default_remote_branch(checkout_root(versions)) is not None
    except (GitError, OSError):
        return False


def read_database_state(script: ScriptDirectory, connection: Connection) -> DatabaseState:
    """Read the database's revisions and in-progress mark against the history in ``script``."""
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.runtime._repointed_revisions import repointed_revisions
    from alembic_steward.runtime._running_migration import running_migration

    current = list(MigrationContext.configure(connection).get_current_heads())
    known = {revision.revision for revision in script.walk_revisions()}
    mark = read_half_applied_mark(connection)
    return DatabaseState(
        current=current,
        heads=list(script.get_heads()),
        unknown=[revision for revision in current if revision not in known],
        half_applied_after=None if mark is None else mark.after_revisions,
        half_applied_direction=None if mark is None else mark.direction,
        url=connection.engine.url,
        repointed=repointed_revisions(connection, script, current),
        # Asked after the mark was read: a run holds the lock for as long as its mark exists.
        running=running_migration(connection) if mark is not None else None,
    )


def half_applied_mark(connection: Connection) -> str | None:
    """Return the revision an unfinished MySQL/MariaDB run stopped after, or None."""
    mark = read_half_applied_mark(connection)
    return None if mark is None else mark.after_revisions


def read_half_applied_mark(connection: Connection) -> Mark | None:
    """The mark an unfinished MySQL/MariaDB run left (where it stopped, which way), or None."""
    from sqlalchemy import inspect, select

    from alembic_steward.runtime._half_applied_marks import (
        MARK_TABLE_NAME,
        mark_table,
        records_half_applied_migrations,
    )
    from alembic_steward.runtime._mark_directions import read_mark

    if not records_half_applied_migrations(connection):
        return None
    if not inspect(connection).has_table(MARK_TABLE_NAME):
        return None
    return read_mark(connection.scalar(select(mark_table.c.after_revisions)))


def blocking_problem(state: DatabaseState, script: ScriptDirectory) -> str | None:
    """Describe what stops every migration command on this database, or None when nothing does."""
    from alembic_steward.runtime._half_applied_marks import half_applied_message

    if state.running is not None:
        from alembic_steward.runtime._running_migration import check_again, running_line

        return running_line(state.running, state.current, check_again())
    if state.half_applied_after is not None:
        after, direction = state.half_applied_after, state.half_applied_direction
        return half_applied_message(after, script, direction, state.url)
    if state.unknown:
        return unknown_revision_message(state.unknown)
    if state.repointed:
        from alembic_steward.runtime._repointed_revisions import repointed_message

        return repointed_message(state.repointed, state.current)
    if state.several_heads:
        return several_heads_message(state.heads)
    return None


def require_movable_state(script: ScriptDirectory, connection: Connection) -> DatabaseState:
    """Read the database's state, raising a one-line `CommandError` for a blocked one."""
    from alembic.util import CommandError

    state = read_database_state(script, connection)
    problem = blocking_problem(state, script)
    if problem is not None:
        raise CommandError(problem)
    return state
