"""Keep revision ids a user chooses to plain names, each id to one file, and `-r` to revisions.

One rule for what a new revision's id may be (`check_revision_id`), and one for what a `-r` may
name (`check_revision_argument`): every task and env.py's revision hook use these two.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from alembic.util import CommandError

# Alembic builds the file name from the id and creates any folder the id names, so an id
# like `../../x` would write outside versions/; Alembic itself only forbids `-`, `+` and `@`.
REVISION_ID_SHAPE = re.compile(r"[A-Za-z0-9_]{1,64}")
# Words Alembic reads as keywords wherever it takes a revision: a revision with such an id can
# never be named, and one called `base` makes every later walk of the history fail.
KEYWORDS = ("head", "heads", "base", "current")
# What a `-r` may be, whole: an id or a unique prefix of one, a keyword, a relative step
# (-1, +2, head-1, base+2, ID+1), optionally behind a branch (LABEL@head, ID@-1). Alembic
# itself only matches the start of a relative step, so `-1; DROP` would revert one revision.
REVISION_ARGUMENT = re.compile(r"(?:\w+@)?(?:\w+(?:[+-]\d+)?|[+-]\d+)", re.ASCII)
ACCEPTED_FORMS = (
    "an id or a unique prefix of one{listed}, head, heads or base, a relative step"
    " (-1, +2, head-1, base+2) or a branch form (LABEL@head, ID@-1)"
)
# How Alembic says, building its map of revisions, that two files claim one id. It only warns
# and keeps one, so every task would then fail later in words that hide the cause ("several
# heads", then "Duplicate head revisions" from the merge that advice names).
DUPLICATE_ID_WARNING = r"Revision (\w+) is present more than once"


class DuplicateRevisionId(CommandError):
    """Two revision files have the same `revision` id; the message names them and the fix."""


class RevisionArgumentError(CommandError):
    """A `-r` value that is not a revision, a keyword, a relative step or a branch form."""


def check_revision_id(revision_id: str, existing: Collection[str] = ()) -> None:
    """Raise Alembic's CommandError unless ``revision_id`` can name a new revision.

    It must be 1-64 letters, digits or `_`, not a keyword Alembic reads as something else,
    and not one of the ``existing`` ids.
    """
    if not REVISION_ID_SHAPE.fullmatch(revision_id):
        raise CommandError(
            f"revision id {revision_id!r} may hold only letters, digits and underscores"
            " (at most 64); choose one like 0001_add_users; nothing was written"
        )
    if revision_id.lower() in KEYWORDS:
        raise CommandError(
            f"revision id {revision_id!r} is a word Alembic reads as a keyword"
            f" ({', '.join(KEYWORDS)}), so no command could name that revision; choose one like"
            " 0001_add_users; nothing was written"
        )
    if revision_id in existing:
        raise CommandError(
            f"revision id {revision_id!r} is taken by a revision in the history"
            f" (`inv db.show -r {revision_id}` shows it); choose another, like 0001_add_users;"
            " nothing was written"
        )


def check_revision_argument(
    value: str, *, option: str = "-r", ranges: bool = False, listed_by: str = "inv db.history"
) -> None:
    """Raise RevisionArgumentError unless ``value`` is wholly one revision form.

    With ``ranges``, ``FROM:TO`` of them is accepted too, one side possibly empty (`base:`).
    ``listed_by`` is the command that lists the ids, where there is one ("" where not).
    """
    sides = value.split(":", 1) if ranges else [value]
    named = [side for side in sides if side]
    if named and all(REVISION_ARGUMENT.fullmatch(side) for side in named):
        return
    accepted = ACCEPTED_FORMS.format(listed=f" (`{listed_by}` lists them)" if listed_by else "")
    accepted += "; or a range FROM:TO of those" if ranges else ""
    raise RevisionArgumentError(
        f"{option} {value!r} is not a revision: give {accepted}; nothing was run"
    )


def check_loaded_revision_id(module: ModuleType, path: Path) -> None:
    """Refuse a revision file whose id is a keyword, before it confuses every walk of the history.

    `alembic revision --rev-id base` (without --autogenerate, so without env.py's hook) can
    still write one; Alembic would then fail every command with a bare assertion.
    """
    revision_id = getattr(module, "revision", None)
    if not isinstance(revision_id, str) or revision_id.lower() not in KEYWORDS:
        return
    from alembic.util import rev_id

    from alembic_steward._wiring import shown_path

    raise CommandError(
        f"revision file {shown_path(path)} declares the id {revision_id!r}, a word Alembic"
        f" reads as a keyword ({', '.join(KEYWORDS)}), so no command can name it; give it"
        f' another id (e.g. `revision = "{rev_id()}"`) and make the revision that follows it'
        " name that id as its down_revision; nothing was run"
    )


@contextmanager
def refusing_duplicate_revision_ids() -> Iterator[None]:
    """Stop, with DuplicateRevisionId, whatever loads a history where two files share an id."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=DUPLICATE_ID_WARNING, category=UserWarning)
        try:
            yield
        except UserWarning as warning:
            match = re.match(DUPLICATE_ID_WARNING, str(warning))
            if match is None:
                raise
            raise DuplicateRevisionId(duplicate_id_message(match[1])) from None


def duplicate_id_message(revision_id: str) -> str:
    """Name the files that share ``revision_id`` and say how to give one a new id."""
    from alembic.util import rev_id

    from alembic_steward._wiring import active_steward

    files = [path.name for path in files_declaring(revision_id, active_steward().versions_dir)]
    return (
        f"revision id {revision_id} is declared by {len(files)} files in"
        f" app/migrations/versions/ ({', '.join(files)}), probably a copied file; give one of"
        f' them a new id (e.g. `revision = "{rev_id()}"`) and make the revisions that should'
        " follow it name that id as their down_revision; nothing was run"
    )


def files_declaring(revision_id: str, versions: Path) -> list[Path]:
    """The revision files whose `revision = ...` line names ``revision_id``."""
    line = re.compile(rf"""^revision\s*(?::[^=\n]*)?=\s*["']{re.escape(revision_id)}["']""", re.M)
    return sorted(
        path for path in versions.rglob("*.py") if line.search(path.read_text(encoding="utf-8"))
    )
