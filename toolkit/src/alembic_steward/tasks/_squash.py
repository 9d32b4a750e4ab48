"""`inv db.squash --through REV`: replace the history from base to REV by one proven revision.

The squashed revision keeps REV's id, so a database at REV or later runs nothing of it. Before
anything is written, both histories are built afresh in scratch databases and their catalog
descriptions and rows compared (inspection/_squash_build.py); any difference, any data step in
the stretch, and a local database below REV stop it with nothing written.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from invoke import Context, Exit, task

from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from alembic.script import Script, ScriptDirectory

NOTHING_WRITTEN = "nothing was written"


@task(
    help={
        "through": "The last revision to squash, e.g. 4f8376af1811: base..REV become one revision",
        "dry_run": "Build, compare and say what would be written, writing nothing",
    }
)
@exit_on_user_error
def squash(c: Context, through: str | None = None, dry_run: bool = False) -> None:
    """Replace the revisions from base to --through REV by one revision with REV's id."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._head_file import write_head_file

    if not through:
        raise Exit(
            "error: say up to which revision to squash, e.g. `inv db.squash --through REV`"
            f" (ids: `inv db.history`); {NOTHING_WRITTEN}",
            code=1,
        )
    config = build_alembic_config(quiet=True)
    script = ScriptDirectory.from_config(config)
    stretch = linear_stretch(script, through)
    rev = stretch[-1]
    local = local_database_line(stretch)
    text = proven_squash(script, stretch)
    ids = ", ".join(revision.revision for revision in stretch)
    if dry_run:
        print(
            f"Would replace {len(stretch)} revisions ({ids}) by one revision {rev.revision} in"
            f" {shown(rev.path)}; the squashed history builds the same schema and rows (checked)."
            " Nothing was written (--dry-run)."
        )
        print(local)
        print(below_rev_note(rev.revision))
        return
    Path(rev.path).write_text(text, encoding="utf-8")
    for revision in stretch[:-1]:
        Path(revision.path).unlink()
    write_head_file(Path(script.versions), list(script.get_heads()))
    print(
        f"Squashed {len(stretch)} revisions ({ids}) into {rev.revision}: {shown(rev.path)};"
        " the squashed history builds the same schema and rows as the old one (checked)."
    )
    print(local)
    print(below_rev_note(rev.revision))


def formatted(script: ScriptDirectory, rev: Script, text: str) -> str:
    """``text`` as the project's post-write hooks (ruff) leave a new revision, formatted in a
    file of its own beside the revisions (so the project's settings apply), then removed."""
    from alembic.script import write_hooks

    if not script.hooks:
        return text
    draft = Path(rev.path).with_name(f"_squash_draft_{rev.revision}.py")
    draft.write_text(text, encoding="utf-8")
    try:
        write_hooks._run_hooks(str(draft), script.hooks)
        return draft.read_text(encoding="utf-8")
    finally:
        draft.unlink(missing_ok=True)


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
    stretch = [rev]
    while stretch[-1].down_revision is not None:
        below = stretch[-1]
        if isinstance(below.down_revision, (tuple, list)):
            raise Exit(
                f"error: cannot squash through {rev.revision}: {below.revision} merges"
                f" {', '.join(below.down_revision)}, and a squash replaces a straight line of"
                f" revisions only; squash through a revision above the merge; {NOTHING_WRITTEN}",
                code=1,
            )
        stretch.append(script.get_revision(below.down_revision))
    stretch.reverse()
    for revision in stretch[:-1]:
        if len(revision.nextrev) > 1:
            raise Exit(
                f"error: cannot squash through {rev.revision}: {revision.revision} is a branch"
                f" point ({', '.join(sorted(revision.nextrev))} follow it), and a revision"
                f" outside the squash would lose its parent; {NOTHING_WRITTEN}",
                code=1,
            )
    if any(revision.dependencies for revision in stretch):
        raise Exit(
            f"error: cannot squash through {rev.revision}: a revision in the stretch has"
            f" depends_on, which a squash does not carry; {NOTHING_WRITTEN}",
            code=1,
        )
    if len(stretch) < 2:
        raise Exit(
            f"error: {rev.revision} is the first revision: there is nothing to squash it with;"
            f" {NOTHING_WRITTEN}",
            code=1,
        )
    return stretch


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


def proven_squash(script: ScriptDirectory, stretch: list[Script]) -> str:
    """The squashed revision's text, once both histories were built and found equal; Exit
    (one line) on a data step, a difference, or a row the file cannot hold."""
    from sqlalchemy.engine import make_url

    from alembic_steward._checksum_format import code_checksum, first_format_checksum
    from alembic_steward._wiring import active_steward, get_settings
    from alembic_steward.inspection._catalog_drift import ignored_tables
    from alembic_steward.inspection._scratch_database import ScratchDatabaseRefused
    from alembic_steward.inspection._squash_build import build_new_history, build_old_history
    from alembic_steward.inspection._squash_render import (
        NotRenderable,
        SquashedText,
        render_squashed_revision,
    )
    from alembic_steward.runtime._bookkeeping import model_schemas

    rev = stretch[-1]
    old_text = Path(rev.path).read_text(encoding="utf-8")
    squashed = SquashedText(
        revision=rev.revision,
        message=f"Squashed history through {rev.revision}: {(rev.doc or '').strip()}",
        squashes=tuple(revision.revision for revision in stretch),
        checksums=(code_checksum(old_text), first_format_checksum(old_text)),
    )
    active_steward().get_metadata()
    schemas = sorted(model_schemas())
    ignored = ignored_tables()
    server = make_url(get_settings().blocking_database_url)

    def render(connection: Any) -> str:
        return render_squashed_revision(connection, squashed, schemas, ignored)

    version_table = active_steward().context_options.get("version_table", "alembic_version")
    try:
        old = build_old_history(server, rev.revision, ignored, version_table, schemas, render)
    except NotRenderable as reason:
        refuse(rev.revision, str(reason))
    except ScratchDatabaseRefused as reason:
        refuse(rev.revision, f"no scratch database could be created ({reason})")
    except Exception as error:  # a revision's own failure, whatever it raises
        refuse(rev.revision, f"the old history fails on an empty database ({build_failure(error)})")
    if old.data_steps:
        raise Exit(
            f"error: cannot squash through {rev.revision}: {'; '.join(old.data_steps)}, a data"
            " step that acts on the rows a live database holds, which a squashed revision cannot"
            " replay; squash through a revision below it instead; " + NOTHING_WRITTEN,
            code=1,
        )
    text = formatted(script, rev, old.text)
    # The very text to be written is what is built and compared.
    with tempfile.TemporaryDirectory(prefix="squash-") as folder:
        versions = Path(folder)
        copy_squashed_versions(Path(rev.path).parent, stretch, versions, text)
        try:
            new, left = build_new_history(server, versions, rev.revision, ignored, schemas)
        except Exception as error:  # the generated code's own failure, whatever it is
            refuse(rev.revision, f"the squashed revision fails to build ({build_failure(error)})")
    refuse_differences(rev.revision, old, new, left)
    return text


def build_failure(error: Exception) -> str:
    """What failed in a scratch build: the error's first line, and where in which revision."""
    from alembic_steward._wiring import shown_path
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._migration_frames import migration_frame

    frame = migration_frame(error)
    where = f", in {frame.revision} at {shown_path(frame.path)}:{frame.line}" if frame else ""
    return f"{type(error).__name__}: {error_reason(error)}{where}"


def refuse(revision: str, reason: str) -> NoReturn:
    raise Exit(f"error: cannot squash through {revision}: {reason}; {NOTHING_WRITTEN}", code=1)


def copy_squashed_versions(source: Path, stretch: list[Script], target: Path, text: str) -> None:
    """Fill ``target`` with the versions folder as the squash would leave it."""
    removed = {Path(revision.path).name for revision in stretch}
    for path in source.glob("*.py"):
        if path.name not in removed:
            shutil.copy2(path, target / path.name)
    (target / Path(stretch[-1].path).name).write_text(text, encoding="utf-8")


def refuse_differences(revision: str, old: Any, new: Any, left: Any) -> None:
    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._squash_build import row_differences

    lines = [
        difference.line("the old history", "the squashed revision")
        for difference in compare_catalogs(old.catalog, new.catalog)
    ]
    lines += row_differences(old.rows, new.rows)
    lines += [
        f"its downgrade leaves {kind} {name}"
        for (kind, _schema, owner, name) in sorted(left.objects)
        if not owner
    ]
    if lines:
        raise Exit(
            f"error: the squashed revision would not build what the old history builds through"
            f" {revision}: {'; '.join(lines)}; write those by hand in a revision after the squash"
            f" or squash through an earlier revision; {NOTHING_WRITTEN}",
            code=1,
        )
