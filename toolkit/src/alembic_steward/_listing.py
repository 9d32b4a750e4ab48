"""How a line lists names: `a`, `a and b`, `a, b and c`, its noun and verb agreeing in number.

A line that joins names with commas after a singular noun ("the history's head is a, b") reads
as one name that has a comma in it; every line that lists a count it does not know says it here.
"""

from __future__ import annotations

from collections.abc import Iterable


def listed(names: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c` (in the order given)."""
    items = list(names)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def named(names: Iterable[str], one: str, many: str) -> str:
    """``one`` or ``many`` (`revision`, `revisions`; `head is`, `heads are`), then the names
    listed: `revisions a and b`, `heads are a and b`."""
    items = list(names)
    return f"{one if len(items) == 1 else many} {listed(items)}"
