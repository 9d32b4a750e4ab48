"""The proof behind `inv db.squash`: the squashed revision's text, written only once equal.

The old history is built in a scratch database (its data steps watched) and the squashed
revision rendered from it (inspection/_squash_render.py); that text, formatted as the project
formats a new revision, is built afresh from a copy of `versions/` as the squash would leave
it (inspection/_squash_build.py), and the two catalog descriptions and every table's rows are
compared. Every refusal is one line ending in "nothing was written".
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from invoke import Exit

if TYPE_CHECKING:
    from alembic.script import Script, ScriptDirectory

NOTHING_WRITTEN = "nothing was written"


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
        if not_connected(reason):
            # DATABASE_URL's user refused, or its server not reached: their own line and exit
            # code, as db.status has them (tasks/_user_errors.py).
            raise
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

    order = [revision.revision for revision in stretch]

    def remake(keys: set[tuple]) -> dict[tuple, str]:
        from alembic_steward.inspection._squash_build import first_makers

        try:
            return first_makers(server, order, keys, ignored, schemas)
        except Exception:  # for the advice only: built once already, it says nothing if not
            return {}

    refuse_differences(rev.revision, old, new, left, remake, order)
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


def refuse_differences(
    revision: str,
    old: Any,
    new: Any,
    left: Any,
    remake: Callable[[set[tuple]], dict],
    order: list[str],
) -> None:
    from alembic_steward.catalog import compare_catalogs
    from alembic_steward.inspection._squash_build import row_differences

    differences = compare_catalogs(old.catalog, new.catalog)
    lines = [
        difference.line("the old history", "the squashed revision") for difference in differences
    ]
    lines += row_differences(old.rows, new.rows)
    leftovers = sorted(key for key in left.objects if not key[2])
    lines += [f"its downgrade leaves {kind} {name}" for (kind, _schema, _owner, name) in leftovers]
    if lines:
        keys = old_keys(old.catalog, differences) if len(lines) == len(differences) else None
        advice = what_can_work(keys, remake, order)
        raise Exit(
            f"error: the squashed revision would not build what the old history builds through"
            f" {revision}: {'; '.join(lines)}; {advice}{NOTHING_WRITTEN}",
            code=1,
        )


def old_keys(catalog: Any, differences: list[Any]) -> set[tuple] | None:
    """The old history's keys of the objects ``differences`` name; None when one is not among
    them (only in the squashed revision, or unnamed)."""
    from alembic_steward.catalog._model import subject_of

    by_subject = {(key[0], subject_of(key, facts)): key for key, facts in catalog.objects.items()}
    keys = {by_subject.get((difference.kind, difference.subject)) for difference in differences}
    return None if None in keys else keys  # type: ignore[return-value]


def what_can_work(
    keys: set[tuple] | None, remake: Callable[[set[tuple]], dict], order: list[str]
) -> str:
    """The advice that can work: squash through a revision below the first one making what the
    squashed revision cannot write, unless that is one of the first two (squash through the
    first is refused: nothing to squash it with), when no squash this high can be proven. A
    squash that was refused wrote nothing, so no revision "after the squash" can add to it."""
    makers = remake(keys) if keys else {}
    if not keys or makers.keys() < keys:
        return ""
    first = min(makers.values(), key=order.index)
    made = order.index(first)
    if made >= 2:
        return (
            f"{first} makes the first of them: squash through {order[made - 1]}, below it,"
            " and keep the revisions from it on as they are; "
        )
    return (
        f"{first} makes the first of them, and a squash starts at base and takes at least two"
        f" revisions, so it takes {first}: no revision of this history can be squashed while"
        " they stand; "
    )


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


def not_connected(refused: Exception) -> bool:
    """Whether a scratch database was refused because no connection to the server was made
    (its sign-in refused, or the server not reached), not at its CREATE."""
    return getattr(refused, "driver_error", None) is not None
