"""Keep revision ids a user chooses to plain names, so a revision file lands in versions/."""

from __future__ import annotations

import re

# Alembic builds the file name from the id and creates any folder the id names, so an id
# like `../../x` would write outside versions/; Alembic itself only forbids `-`, `+` and `@`.
REVISION_ID_SHAPE = re.compile(r"[A-Za-z0-9_]{1,64}")


def check_revision_id(revision_id: str) -> None:
    """Raise Alembic's CommandError unless ``revision_id`` is 1-64 letters, digits or `_`."""
    from alembic.util import CommandError

    if not REVISION_ID_SHAPE.fullmatch(revision_id):
        raise CommandError(
            f"revision id {revision_id!r} may hold only letters, digits and underscores"
            " (at most 64); choose one like 0001_add_users"
        )
