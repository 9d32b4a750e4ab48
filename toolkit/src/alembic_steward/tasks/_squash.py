"""`inv db.squash --through REV`: replace the history from base to REV by one proven revision.

The squashed revision keeps REV's id, so a database at REV or later runs nothing of it. Before
anything is written, both histories are built afresh in scratch databases and their catalog
descriptions and rows compared (tasks/_squash_proof.py); any difference, any data step in the
stretch, and a local database below REV stop it with nothing written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from alembic_steward.tasks._scratch_builds import changed_since, never_touched
from alembic_steward.tasks._squash_proof import NOTHING_WRITTEN
from alembic_steward.tasks._task_options import LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from alembic.script import Script, ScriptDirectory


@task(
    klass=LongOnlyOptions,
    long_only=("through",),  # -t is db.wait's --timeout: a short flag means one thing
    help={
        "through": "The last revision to squash, e.g. 4f8376af1811: base..REV become one revision",
        "dry_run": "Build, compare and say what would be written, writing nothing",
    },
)
@exit_on_user_error
def squash(c: Context, through: str | None = None, dry_run: bool = False) -> None:
    """Replace the revisions from base to --through REV by one revision with REV's id."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._head_file import HEAD_FILE_NAME, write_head_file
    from alembic_steward.tasks._scratch_builds import (
        contents,
        signals_deferred,
        stopped_scratch_build,
    )
    from alembic_steward.tasks._squash_proof import proven_squash

    if not through:
        raise Exit(
            "error: say up to which revision to squash, e.g. `inv db.squash --through REV`"
            f" (ids: `inv db.history`); {NOTHING_WRITTEN}",
            code=1,
        )
    config = build_alembic_config(quiet=True)
    script = ScriptDirectory.from_config(config)
    versions = Path(script.versions)
    before = contents([*versions.glob("*.py"), versions / HEAD_FILE_NAME])
    command = f"db.squash --through {through}" + (" --dry-run" if dry_run else "")
    with stopped_scratch_build(command, lambda: files_state(before)):
        stretch = linear_stretch(script, through)
        rev = stretch[-1]
        local = local_database_line(stretch)
        text = proven_squash(script, stretch)
        ids = ", ".join(revision.revision for revision in stretch)
        if dry_run:
            print(
                f"Would replace {len(stretch)} revisions ({ids}) by one revision {rev.revision}"
                f" in {shown(rev.path)}; the squashed history builds the same schema and rows"
                " (checked). Nothing was written (--dry-run)."
            )
            print(local)
            print(below_rev_note(rev.revision))
            return
        with signals_deferred():  # the files change together or not at all
            Path(rev.path).write_text(text, encoding="utf-8")
            for revision in stretch[:-1]:
                Path(revision.path).unlink()
            write_head_file(versions, list(script.get_heads()))
    print(
        f"Squashed {len(stretch)} revisions ({ids}) into {rev.revision}: {shown(rev.path)};"
        " the squashed history builds the same schema and rows as the old one (checked)."
    )
    print(local)
    print(below_rev_note(rev.revision))


def files_state(before: dict[Path, bytes | None]) -> str:
    """What a signal left of the revision files: read from the disk, against ``before``."""
    changed = changed_since(before)
    if not changed:
        return f"no revision file was changed; {never_touched('db.squash')}"
    return (
        f"the squash had been written whole when it stopped ({len(changed)} file(s) in"
        f" app/migrations/versions/ changed, as a finished squash leaves them);"
        f" {never_touched('db.squash')}"
    )


def shown(path: str) -> str:
    from alembic_steward._wiring import shown_path

    return shown_path(Path(path))


def below_rev_note(revision: str) -> str:
    return (
        f"note: a database below {revision} (staging, production, a teammate's) cannot run the"
        f" squashed history: each must run `inv db.upgrade -r {revision}` with the old history"
        " (before this change is deployed to it); a database at"
        f" {revision} or later needs nothing"
    )


def linear_stretch(script: ScriptDirectory, through: str) -> list[Script]:
    """The revisions base..``through``, base first; Exit unless they are one line of two or more."""
    from alembic.util import CommandError

    try:
        rev = script.get_revision(through)
    except CommandError as error:
        rev, reason = None, str(error)
    else:
        reason = f"{through!r} names no revision"
    if rev is None:
        raise Exit(
            f"error: {reason}; `inv db.history` lists the revisions; {NOTHING_WRITTEN}", code=1
        )
    stretch, refusal = stretch_below(script, rev)
    if refusal is not None:
        raise Exit(f"error: {refusal}; {NOTHING_WRITTEN}", code=1)
    return stretch


def stretch_below(
    script: ScriptDirectory, rev: Script, advise: bool = True
) -> tuple[list[Script], str | None]:
    """The revisions base..``rev``, base first, and why a squash through ``rev`` is refused
    (None when it is not); ``advise`` adds to a merge's refusal which revision can be squashed."""
    stretch = [rev]
    while stretch[-1].down_revision is not None:
        below = stretch[-1]
        if isinstance(below.down_revision, (tuple, list)):
            return stretch, merge_refusal(script, rev, below, advise)
        stretch.append(script.get_revision(below.down_revision))
    stretch.reverse()
    for revision in stretch[:-1]:
        if len(revision.nextrev) > 1:
            return stretch, (
                f"cannot squash through {rev.revision}: {revision.revision} is a branch"
                f" point ({', '.join(sorted(revision.nextrev))} follow it), and a revision"
                " outside the squash would lose its parent"
            )
    if any(revision.dependencies for revision in stretch):
        return stretch, (
            f"cannot squash through {rev.revision}: a revision in the stretch has"
            " depends_on, which a squash does not carry"
        )
    declaring = [
        revision.revision for revision in stretch if getattr(revision.module, "backfills", None)
    ]
    if declaring:
        return stretch, (
            f"cannot squash through {rev.revision}: revision(s) {', '.join(declaring)}"
            " declare backfills, which a squashed revision would not carry (a later"
            " `require_backfill` would find none); squash through a revision below them"
        )
    if len(stretch) < 2:
        return stretch, (
            f"{rev.revision} is the first revision: there is nothing to squash it with"
        )
    return stretch, None


def merge_refusal(script: ScriptDirectory, rev: Script, merge: Script, advise: bool) -> str:
    """A squash takes the straight line from base to REV, so every revision at or above a merge
    is refused: the advice names the highest revision below the merge that is accepted (where
    the branches part, when the line from base reaches it), or says that none is, and why."""
    refusal = (
        f"cannot squash through {rev.revision}: {merge.revision} merges"
        f" {', '.join(merge.down_revision)}, and a squash replaces the straight line of"
        " revisions from base only, so no revision from the merge up can be squashed"
    )
    if not advise:
        return refusal
    part = branches_part(script, merge)
    if part is None:
        return f"{refusal}, nor any below it: its branches start from different bases"
    _stretch, why_not = stretch_below(script, part, advise=False)
    if why_not is None:
        return f"{refusal}; squash through {part.revision}, where its branches part"
    if why_not.startswith(f"{part.revision} is the first revision"):
        why_not = f"{part.revision}, where its branches part, is the first revision"
    return (
        f"{refusal}, nor any below it: {why_not}, and a squash through a revision on one"
        " branch would leave the other without its parent; this history cannot be squashed"
    )


def branches_part(script: ScriptDirectory, merge: Script) -> Script | None:
    """The highest revision below ``merge`` that every one of its parents descends from (where
    the branches part); None when they share none (two bases)."""
    lines = [
        [revision.revision for revision in script.iterate_revisions(parent, "base")]
        for parent in merge.down_revision
    ]
    shared = set(lines[0]).intersection(*lines[1:])
    first = next((revision for revision in lines[0] if revision in shared), None)
    return script.get_revision(first) if first is not None else None


def local_database_line(stretch: list[Script]) -> str:
    """Say where the local database stands against REV; Exit when it is below (at a revision the
    squash removes, from which the squashed history could not upgrade it)."""
    from alembic_steward.tasks._local_database import LocalDatabaseUnreadable, local_revisions

    rev = stretch[-1].revision
    try:
        current = local_revisions()
    except LocalDatabaseUnreadable as reason:
        return (
            f"note: the local database could not be read ({reason}), so whether it is below"
            f" {rev} was not checked"
        )
    below = sorted(set(current) & {revision.revision for revision in stretch[:-1]})
    if below:
        raise Exit(
            f"error: the local database is at {', '.join(below)}, below {rev}, a revision the"
            f" squash removes, so the squashed history could not upgrade it; run `inv db.upgrade"
            f" -r {rev}` first, then squash; {NOTHING_WRITTEN}",
            code=1,
        )
    if not current:
        return "The local database has no revision applied: it builds from the squashed history."
    return f"The local database is at {', '.join(current)}, not below {rev}: it needs nothing."
