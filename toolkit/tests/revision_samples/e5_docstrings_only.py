"""Only documentation.

Revision ID: e5
Revises: d4
"""

revision = "e5"
down_revision = "d4"


class Marker:
    """Nothing but a docstring."""


def upgrade() -> None:
    """Nothing to do."""


def downgrade() -> None:
    """Nothing to undo."""
    # type: () -> None
    x = []  # type: list[int]
    return None if x else None
