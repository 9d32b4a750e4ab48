"""Refuse a relative step (`-r +1`, `-r -2`, `-r head-1`, `-r ID+2`) that leaves the history
or goes the wrong way, in the toolkit's words.

Alembic says only "Relative revision +1 didn't produce 1 migrations", or for a step counted
from a named revision a bare AssertionError or "Walked too far", or runs nothing and exits 0
(`db.upgrade -r head-1` on a database at head): not where the database is, nor that
`db.downgrade` only goes down and `db.upgrade` only up. These errors name the revision the
database is at and the command that does take the step, or the furthest one. A step counted
from a named revision is judged on a linear history only (one head, no merge): elsewhere
Alembic's own walk decides.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from alembic_steward.runtime._relative_targets import RELATIVE_STEP

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

# `head-1` or `ae10+2` count from a named revision (RELATIVE_STEP: from the database's).
ANCHORED_STEP = re.compile(r"(?P<anchor>\w+)(?P<steps>[+-]\d+)", re.ASCII)


def is_relative_step(revision: str) -> bool:
    """Whether ``revision`` is a step, counted from the database's revision or a named one."""
    return RELATIVE_STEP.fullmatch(revision) is not None or is_anchored_step(revision)


def is_anchored_step(revision: str) -> bool:
    return ANCHORED_STEP.fullmatch(revision) is not None


def refuse_step_outside_history(
    script: ScriptDirectory, revision: str, current: tuple[str, ...], direction: str
) -> None:
    """Raise a one-line CommandError when ``revision``, a relative step of ``direction``
    (upgrade or downgrade) from ``current``, goes the other way or past either end."""
    from alembic.util import CommandError

    if is_anchored_step(revision):
        refuse_anchored_step(script, revision, current, direction)
        return
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


def refuse_anchored_step(
    script: ScriptDirectory, revision: str, current: tuple[str, ...], direction: str
) -> None:
    """`refuse_step_outside_history` for a step counted from a named revision (`head-1`,
    `heads-1`, `base+2`, `ae10+2`): past either end, or the other way than ``direction``."""
    from alembic.util import CommandError

    chain = linear_history(script)
    matched = ANCHORED_STEP.fullmatch(revision)
    if chain is None or matched is None or len(current) > 1:
        return
    anchor = anchor_position(script, chain, matched["anchor"])
    if anchor is None:
        return
    at = f"the database is at {', '.join(current) or 'base (no revision applied)'}"
    target = anchor + int(matched["steps"])
    if not 0 <= target < len(chain):
        # `head (r2)`, `ae10 (ae10f3c2)`: the revision the count starts from, by its id.
        named = matched["anchor"]
        named += "" if chain[anchor] == named else f" ({chain[anchor]})"
        # Only the way the step goes: "head is 0 below head" said nothing of a step up.
        room, side = (len(chain) - 1 - anchor, "above") if target > anchor else (anchor, "below")
        raise CommandError(
            f"-r {revision} steps past the end of the history: the history has only {room}"
            f" revision(s) {side} {named}; {at};"
            " name a revision within it (`inv db.history` lists them); nothing was run"
        )
    position = chain.index(current[0]) if current else 0
    if direction == "upgrade" and target < position:
        raise CommandError(
            f"db.upgrade only goes up, and -r {revision} is {chain[target]}, below the"
            f" database's revision; {at}; run `inv db.downgrade -r {revision}` to go down;"
            " nothing was run"
        )
    if direction == "downgrade" and target > position:
        raise CommandError(
            f"db.downgrade only goes down, and -r {revision} is {chain[target]}, above the"
            f" database's revision; {at}; run `inv db.upgrade -r {revision}` to go up;"
            " nothing was run"
        )


def linear_history(script: ScriptDirectory) -> list[str] | None:
    """`["base", first, ..., head]` when the history is one line (no branch, no merge), else
    None."""
    newest_first = list(script.walk_revisions())
    for newer, older in zip(newest_first, newest_first[1:], strict=False):
        if newer.down_revision != older.revision:
            return None
    if newest_first and newest_first[-1].down_revision is not None:
        return None
    return ["base", *(revision.revision for revision in reversed(newest_first))]


def anchor_position(script: ScriptDirectory, chain: list[str], anchor: str) -> int | None:
    """Where ``anchor`` (head, heads, base, an id or a unique prefix of one) stands in
    ``chain``; None for what Alembic resolves itself (another keyword, an unknown id)."""
    from alembic.util import CommandError

    if anchor in ("head", "heads"):
        return len(chain) - 1
    if anchor == "base":
        return 0
    try:
        found = script.get_revision(anchor)
    except CommandError:
        return None
    return chain.index(found.revision) if found is not None and found.revision in chain else None
