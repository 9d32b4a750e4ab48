"""Refuse a relative step (`-r +1`, `-r -2`) that leaves the history, in the toolkit's words.

Alembic says only "Relative revision +1 didn't produce 1 migrations": not where the database
is, nor that `db.downgrade` only goes down and `db.upgrade` only up. These errors name the
revision the database is at and the command that does take the step, or the furthest one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

# A step counted from the database's revision; `head-1` or `ae10+2` count from a named one.
RELATIVE_STEP = re.compile(r"[+-]\d+")


def is_relative_step(revision: str) -> bool:
    return RELATIVE_STEP.fullmatch(revision) is not None


def refuse_step_outside_history(
    script: ScriptDirectory, revision: str, current: tuple[str, ...], direction: str
) -> None:
    """Raise a one-line CommandError when ``revision``, a relative step of ``direction``
    (upgrade or downgrade) from ``current``, goes the other way or past either end."""
    from alembic.util import CommandError

    if not is_relative_step(revision):
        return
    steps = int(revision)
    at = f"the database is at {', '.join(current) or 'base (no revision applied)'}"
    up, down = steps_up(script, current), steps_down(script, current)
    if direction == "downgrade" and steps > 0:
        raise CommandError(
            f"db.downgrade only goes down, and -r {revision} is a step up; {at}, {room(up, down)};"
            f" {go('upgrade', '+', up, 'to go up')}; nothing was run"
        )
    if direction == "upgrade" and steps < 0:
        raise CommandError(
            f"db.upgrade only goes up, and -r {revision} is a step down; {at}, {room(up, down)};"
            f" {go('downgrade', '-', down, 'to go down')}; nothing was run"
        )
    possible = up if direction == "upgrade" else down
    if abs(steps) > possible:
        sign = "+" if direction == "upgrade" else "-"
        raise CommandError(
            f"-r {revision} steps past the end of the history; {at}, {room(up, down)};"
            f" {go(direction, sign, possible, 'instead')}; nothing was run"
        )


def room(up: int, down: int) -> str:
    """How far the database can move each way, as the error says it."""
    return f"{up} revision(s) below head and {down} above base"


def go(direction: str, sign: str, possible: int, why: str) -> str:
    """What to run for the furthest step ``direction`` can take, or that there is none."""
    if not possible:
        end = "head" if direction == "upgrade" else "base"
        return f"there is nothing to {direction}: it is at {end}"
    if possible == 1:
        return f"run `inv db.{direction} -r {sign}1` {why}"
    return f"run `inv db.{direction} -r {sign}N` {why}, N from 1 to {possible}"


def steps_up(script: ScriptDirectory, current: tuple[str, ...]) -> int:
    """How many revisions lie between ``current`` and the heads."""
    return len(list(script.revision_map.iterate_revisions("heads", current)))


def steps_down(script: ScriptDirectory, current: tuple[str, ...]) -> int:
    """How many applied revisions a downgrade from ``current`` can revert."""
    return len(list(script.revision_map.iterate_revisions(current, "base"))) if current else 0
