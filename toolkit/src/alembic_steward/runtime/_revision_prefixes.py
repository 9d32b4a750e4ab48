"""Say which revisions a `-r` prefix names when it names several, and refuse a stamp's short one.

Alembic resolves a prefix of a revision id (its partial match: any id longer than three
characters that starts with it), but its commands report a prefix several ids start with as
"Can't locate revision identified by 'ab'", as if it named none: the line now says the prefix
is ambiguous and lists the revisions it starts, id and message, for every task
(tasks/_user_errors.py), the deploy command (runtime/_deploy.py) and the stamp, which checks its
target first (runtime/_repair_targets.py).

A stamp writes the version table and runs nothing, so a prefix that happens to name one revision
today (`-r e`) records whatever revision that is, with nothing run to show the mistake. Its
target must be a whole id, a keyword, a branch label, or a prefix of at least
``STAMP_PREFIX_MINIMUM`` characters, the length Alembic itself asks for when a shorter one
matches nothing (docs/decisions.md). The other tasks keep Alembic's rule: what they run is
printed as it runs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

# How Alembic's commands report a revision they could not resolve, an ambiguous prefix too.
MISSING_REVISION = "Can't locate revision identified by "
# Alembic's own hint when a shorter partial id matches nothing: "at least four characters".
STAMP_PREFIX_MINIMUM = 4
# The part of a `-r` that names a revision: after any `LABEL@`, before any relative step.
NAMED_PART = re.compile(r"(?:\w+@)?(?P<named>\w+?)(?:[+-]\d+)?")


def named_part(value: str) -> str:
    """The revision id (or prefix, keyword, label) a `-r` value names."""
    match = NAMED_PART.fullmatch(value)
    return match["named"] if match else value


def prefix_matches(script: ScriptDirectory, value: str) -> list[Any]:
    """The revisions whose id ``value`` is a prefix of, as Alembic's partial match reads it
    (ids longer than three characters), oldest first; none when ``value`` is an id itself, or
    when the history cannot be walked (its own error says so)."""
    from alembic_steward.runtime._revision_ids import KEYWORDS

    named = named_part(value)
    try:
        revisions = list(script.walk_revisions("base", "heads"))
    except Exception:  # noqa: BLE001 - a broken history fails in its own words elsewhere
        return []
    if named.lower() in KEYWORDS or any(
        named == revision.revision or named in revision.branch_labels for revision in revisions
    ):
        return []
    found = [r for r in revisions if len(r.revision) > 3 and r.revision.startswith(named)]
    return list(reversed(found))


def listed(revisions: list[Any]) -> str:
    """`eeee00000001 (add posts), eeee00000002 (add body)`: each id with its message."""

    def one(revision: Any) -> str:
        title = (revision.doc or "").strip().splitlines()
        shown = title and title[0] != revision.revision  # a message that is the id says nothing
        return f"{revision.revision} ({title[0]})" if shown else revision.revision

    return ", ".join(one(revision) for revision in revisions)


def ambiguous_prefix_line(
    script: ScriptDirectory, value: str, option: str = "-r", nothing: str = "nothing was run"
) -> str | None:
    """The line for a ``value`` several revision ids start with, or None."""
    matches = prefix_matches(script, value)
    if len(matches) < 2:
        return None
    return (
        f"{option} {value!r} is ambiguous: {len(matches)} revision ids start with"
        f" {named_part(value)!r}: {listed(matches)}; give enough of the id to name one;"
        f" {nothing}"
    )


def ambiguous_missing_revision(text: str, option: str = "-r") -> str | None:
    """For Alembic's "Can't locate revision identified by 'ab'" (``text``) of a prefix several
    ids start with, the line naming them, read from the history alone; else None. Never
    raises: the caller's own line stands then."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    if not text.startswith(MISSING_REVISION):
        return None
    revision = text.removeprefix(MISSING_REVISION).strip("'")
    try:
        script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
        return ambiguous_prefix_line(script, revision, option)
    except Exception:  # noqa: BLE001 - the history unreadable: Alembic's words stand
        return None


def short_stamp_prefix_line(script: ScriptDirectory, value: str, option: str = "-r") -> str | None:
    """The refusal of a stamp target that names a revision by a prefix shorter than
    ``STAMP_PREFIX_MINIMUM`` characters, naming the revision(s) it matches; else None."""
    named = named_part(value)
    if len(named) >= STAMP_PREFIX_MINIMUM:
        return None
    matches = prefix_matches(script, value)
    if not matches:
        return None  # an id, a keyword or a label, or nothing: read as before
    from alembic_steward.runtime._half_applied_marks import stamp_command

    # The whole command where one revision matches, as it runs where the line is read.
    example = f" ({stamp_command([matches[0].revision])})" if len(matches) == 1 else ""
    return (
        f"{option} {value!r} is a prefix of {listed(matches)}: a stamp records a revision"
        f" without running anything, so it takes a prefix of at least {STAMP_PREFIX_MINIMUM}"
        f" characters; give the revision id{example}"
    )
