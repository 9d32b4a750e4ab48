"""Which revisions `inv db.lint` reviews, and which revisions count as applied beneath them.

A selection is the revisions to lint, oldest first, plus the set of revisions an offline run
treats as already applied (its starting point) and the revision it upgrades to. The lint
resumes a run past a revision that cannot run offline by adding that revision, and everything
that ran before it, to the applied set (lint/_offline_runs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from invoke import Exit

from alembic_steward._wiring import shown_path


@dataclass(frozen=True)
class Selection:
    """The revisions to lint (oldest first), those applied below them, and the upgrade target."""

    scripts: list[Any]  # alembic.script.Script
    applied: frozenset[str]
    destination: str


def load_revisions(config: Any) -> Any:
    """Load every revision file, turning one that does not import into one error line."""
    from alembic.script import ScriptDirectory

    from alembic_steward.lint._trace import failing_revision_line

    script = ScriptDirectory.from_config(config)
    try:
        script.revision_map.get_revisions("heads")
    except Exception as error:
        origin = failing_revision_line(error, list(Path(script.versions).glob("*.py")))
        if origin is None:
            raise
        path, line = origin
        raise Exit(
            f"error: {shown_path(path)}:{line}: the revision does not import"
            f" ({type(error).__name__}: {error}); fix it, then lint again",
            code=1,
        ) from None
    return script


def select_everything(script: Any) -> Selection:
    return Selection(oldest_first(script), frozenset(), "heads")


def select_range(script: Any, rev_range: str) -> Selection:
    """Select ``LOWER:UPPER`` (the revisions after LOWER up to UPPER) or one revision."""
    from alembic.util import CommandError

    if ":" not in rev_range:
        below = revisions_below(script, rev_range)
        revision = below and script.get_revision(rev_range)
        if not revision:
            raise CommandError(f"{rev_range!r} is not a single revision; `inv db.heads` shows them")
        # Every parent counts as applied, so a merge revision runs alone.
        applied = frozenset(below - {revision.revision})
        return Selection([revision], applied, revision.revision)
    lower, upper = rev_range.split(":", 1)
    upper = upper or "heads"
    in_upper = revisions_below(script, upper)
    in_lower = revisions_below(script, lower) if lower not in ("", "base") else set()
    if not in_lower <= in_upper:
        raise CommandError(f"{lower} is not below {upper}; a range runs from older to newer")
    scripts = [s for s in oldest_first(script) if s.revision in in_upper - in_lower]
    return Selection(scripts, frozenset(in_lower), upper)


def select_unapplied(script: Any) -> Selection:
    """Select the revisions the database has not applied yet."""
    from alembic.util import CommandError

    from alembic_steward._wiring import get_blocking_engine
    from alembic_steward.inspection._database_state import (
        read_database_state,
        unknown_revision_message,
    )
    from alembic_steward.inspection._status_report import applied_revisions
    from alembic_steward.runtime._offline_runs import missing_sqlite_file_read_as_empty

    # A SQLite file not made yet (a fresh clone's pre-commit) has nothing applied.
    with missing_sqlite_file_read_as_empty(), get_blocking_engine().connect() as connection:
        state = read_database_state(script, connection)
    if state.unknown:
        raise CommandError(unknown_revision_message(state.unknown))
    current = state.current
    if len(current) > 1:
        raise CommandError(
            f"the database is at several heads ({', '.join(current)});"
            " lint with --all or -r RANGE instead"
        )
    applied = applied_revisions(script, current)
    scripts = [s for s in oldest_first(script) if s.revision not in applied]
    return Selection(scripts, frozenset(applied), "heads")


def revisions_below(script: Any, revision: str) -> set[str]:
    """Return ``revision`` and every revision below it; refuse a name the history lacks."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        return {s.revision for s in script.iterate_revisions(revision, "base")}
    except RevisionError:
        raise CommandError(
            f"no revision {revision!r} in the history; `inv db.history` lists them"
        ) from None


def oldest_first(script: Any) -> list[Any]:
    return list(reversed(list(script.walk_revisions())))


def heads_of(script: Any, applied: frozenset[str]) -> tuple[str, ...]:
    """Return the revisions of ``applied`` (closed under parents) that no other one follows."""
    return tuple(sorted(rev for rev in applied if not script.get_revision(rev).nextrev & applied))
