"""What `db.upgrade -r` and the `--sql` ranges check before anything is printed or run.

Alembic plans nothing for an upgrade to a revision below the database's, and exits 0 without a
word, so a mistyped target looked like success; and its `--sql` rendering prints `BEGIN;` before
it looks the range's revisions up, so an unknown one left SQL on stdout above the error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config


def require_known_range(config: Config, revision_range: str) -> None:
    """Raise Alembic's CommandError for a revision of ``revision_range`` (`FROM:TO` or `TO`)
    that the history lacks, before any SQL is printed; steps are left to the run."""
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    from alembic_steward.tasks._relative_steps import is_relative_step

    script = ScriptDirectory.from_config(config)
    for side in revision_range.split(":"):
        if side and not is_relative_step(side):
            try:
                script.get_revisions(side)
            except RevisionError as error:
                raise CommandError(str(error)) from None


def below_database_line(config: Config, revision: str) -> str | None:
    """The line for an upgrade target below every revision the database is at, or None."""
    from alembic.script import ScriptDirectory

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.runtime._half_applied_marks import describe_heads
    from alembic_steward.runtime._state_after_failure import version_heads
    from alembic_steward.tasks._relative_steps import is_relative_step

    if revision in ("head", "heads") or is_relative_step(revision):
        return None
    script = ScriptDirectory.from_config(config)
    # base is below every revision (Alembic lists no revision for it).
    targets = [found.revision for found in script.get_revisions(revision) if found is not None]
    if not targets and revision != "base":
        return None
    with get_blocking_engine().connect() as connection:
        heads = [head for head in version_heads(connection) if head != "base"]
    if not heads or set(targets) & set(heads):
        return None
    below = {found.revision for found in script.iterate_revisions(heads, "base")}
    if not set(targets) <= below:
        return None
    return (
        f"Nothing to apply: the database is at {describe_heads(heads)}, above"
        f" {describe_heads(targets) if targets else 'base'}; to go down to it, run"
        f" `inv db.downgrade -r {revision}`"
    )
