"""What a comparison is, and the limits its ratio (or seconds) must stay within."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from timing import Command


@dataclass(frozen=True)
class Target:
    """A limit on a ratio (or on seconds, for the bake), inclusive unless ``strict``."""

    limit: float
    strict: bool = False
    unit: str = ""
    # Judge the difference of the medians (seconds) instead of their ratio.
    on_difference: bool = False

    def holds(self, value: float) -> bool:
        return value < self.limit if self.strict else value <= self.limit

    def __str__(self) -> str:
        return f"{'<' if self.strict else '≤'} {self.limit:g}{self.unit}"


@dataclass
class Comparison:
    """A command timed against a baseline, alternating, after an untimed ``setup``."""

    subject: Command
    baseline: Command
    target: Target | None
    # The inv task the subject needs; a project without it reports "n/a".
    task: str | None = None
    setup: Callable[[], None] | None = None
    teardown: Callable[[], None] | None = None
    note: str = ""
    # Why the comparison is not measured here (a server whose URL is unset); shown, not timed.
    skipped: str = ""
    # The untimed first run is what the row measures after (a cache it fills): --quick, which
    # otherwise skips it, keeps it for this row.
    needs_warm_up: bool = False
    # False for a row that only shows a cost (a first run's builds): --quick leaves it out.
    in_smoke_run: bool = True
