"""Keep revision ids a user chooses to plain names, and each id to one revision file."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.util import CommandError

# Alembic builds the file name from the id and creates any folder the id names, so an id
# like `../../x` would write outside versions/; Alembic itself only forbids `-`, `+` and `@`.
REVISION_ID_SHAPE = re.compile(r"[A-Za-z0-9_]{1,64}")
# How Alembic says, building its map of revisions, that two files claim one id. It only warns
# and keeps one, so every task would then fail later in words that hide the cause ("several
# heads", then "Duplicate head revisions" from the merge that advice names).
DUPLICATE_ID_WARNING = r"Revision (\w+) is present more than once"


class DuplicateRevisionId(CommandError):
    """Two revision files have the same `revision` id; the message names them and the fix."""


def check_revision_id(revision_id: str) -> None:
    """Raise Alembic's CommandError unless ``revision_id`` is 1-64 letters, digits or `_`."""
    if not REVISION_ID_SHAPE.fullmatch(revision_id):
        raise CommandError(
            f"revision id {revision_id!r} may hold only letters, digits and underscores"
            " (at most 64); choose one like 0001_add_users"
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
