"""Say what to do by hand with differences, by their kind: an object missing is made again, an
object in addition or changed is undone.

"Undo those by hand" was said of all of them alike, so a downgrade that stopped after dropping
an index was told to undo the index it no longer had; what is missing has to be made again.
"""

from __future__ import annotations

from collections.abc import Sequence

MISSING = "missing "


def repair_by_hand(
    briefs: Sequence[str], restoring: str = "", made_as: str = "", *, them: str = "those"
) -> str:
    """`undo those by hand`, `make those again by hand` or both, for ``briefs`` (a difference
    each, `missing index items.ix`, as catalog Differences say them; none known: undo);
    ``restoring``: the statements that do it, as inspection/_restoring_statements.py words
    them, to follow; ``made_as``: how what is missing is made (` as its upgrade() makes it`);
    ``them``: the word the sentence names the differences with."""
    missing = [brief for brief in briefs if brief.startswith(MISSING)]
    if missing and len(missing) == len(briefs):
        return f"make {'it' if len(briefs) == 1 else them} again by hand{made_as}{restoring}"
    if missing:
        return f"make again by hand what is missing{made_as}, and undo the rest{restoring}"
    return f"undo {them} by hand{restoring}"
