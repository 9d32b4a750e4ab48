"""Say that a column a half-applied MySQL/MariaDB migration dropped took its values with it.

MySQL/MariaDB commits each DDL statement, so a failed migration's `drop_column` stays done.
Undoing it "by hand" adds the column back empty, and clearing the run's mark then accepts the
schema as whole: the values are gone unless a backup holds them, and the line must say so.
"""

from __future__ import annotations

MISSING_COLUMN = "missing column "


def dropped_values(leftovers: tuple[str, ...]) -> str:
    """`; the values of column items.note are gone ...` for each column the schema lacks, or ""."""
    from alembic_steward._listing import listed

    columns = [
        brief.removeprefix(MISSING_COLUMN)
        for brief in leftovers
        if brief.startswith(MISSING_COLUMN)
    ]
    if not columns:
        return ""
    one = len(columns) == 1
    noun, drop, back = (
        ("column", "its drop was", "it") if one else ("columns", "their drops were", "them")
    )
    return (
        f"; the values of {noun} {listed(columns)} are gone ({drop} committed): adding {back}"
        " back by hand gives no values (NULL, or the default), so restore them from a backup if"
        " they are needed"
    )
