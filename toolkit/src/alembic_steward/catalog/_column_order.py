"""A table's column order: what `SELECT *` and an `INSERT ... VALUES` without a column list
follow. Described, compared only by a caller asking (compare_catalogs' column_order), never by a
verdict: it is the history's, not the schema's (a downgrade brings a dropped column back last;
docs/decisions.md, "Column order is described, not compared")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from alembic_steward.catalog._model import Facts, Key

FACT = "column order"


def add_column_order(objects: dict[Key, Facts], columns: Iterable[tuple[Key, int, str]]) -> None:
    """Set each table's column order from ``columns`` ((table key, position, column name)): on
    tables only (a view's columns follow its query, its definition)."""
    positions: dict[Key, list[tuple[int, str]]] = defaultdict(list)
    for table, position, column in columns:
        if table in objects and table[0] == "table":
            positions[table].append((position, column))
    for table, found in positions.items():
        objects[table] = {**objects[table], FACT: ", ".join(name for _p, name in sorted(found))}


def same_order(want: str | None, have: str | None) -> bool:
    """Whether the columns both sides have come in the same order (a column one side lacks is
    a difference of its own, not one of order)."""
    expected, actual = (value.split(", ") if value else [] for value in (want, have))
    shared = set(expected) & set(actual)
    return [c for c in expected if c in shared] == [c for c in actual if c in shared]
