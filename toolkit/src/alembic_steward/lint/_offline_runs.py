"""Run the selected revisions offline, resuming past each revision that cannot run offline.

One run for the whole selection is the fast path (lint/_trace.py). A revision that cannot
run offline (it reads from the connection, reflects a table, or uses a batch operation Alembic
cannot render without one) stops that run where it fails. The lint keeps what was recorded,
names the revision, and starts a new run from the heads of everything that ran so far plus
the failed revision: its descendants then run as Alembic would run them on a database where
it has been applied, and nothing runs twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic_steward.lint._selection import Selection, heads_of
from alembic_steward.lint._trace import (
    RevisionTrace,
    RevisionTracer,
    failing_revision_line,
    trace_upgrade,
)

# `op.get_context()` needs no import in a revision file, where `context` would.
OFFLINE_ADVICE = "code that needs a live database belongs under `if not op.get_context().as_sql:`"


@dataclass(frozen=True)
class Unlinted:
    """A revision the lint could not read to its end: where it stopped, and why."""

    revision: str
    path: Path
    line: int
    reason: str  # what happened at ``line``, one line: "stopped here when run offline (...)"
    advice: str


@dataclass
class OfflineRuns:
    """Each selected revision's trace (a stopped one's up to where it stopped), and the stops."""

    traces: dict[Path, RevisionTrace] = field(default_factory=dict)
    unlinted: list[Unlinted] = field(default_factory=list)


def trace_selection(
    config: Any, script: Any, selection: Selection, *, want_sql: bool
) -> OfflineRuns:
    """Trace every revision of ``selection`` that runs offline; name the ones that do not.

    Raises what a run raised when it did not come from a revision file (env.py, a bug).
    """
    paths = [Path(s.path) for s in selection.scripts]
    paths_of = {s.revision: Path(s.path) for s in script.walk_revisions()}
    runs = OfflineRuns()
    applied = selection.applied
    while True:
        tracer = RevisionTracer(paths)
        try:
            heads = heads_of(script, applied)
            trace_upgrade(config, script, heads, selection.destination, tracer, want_sql=want_sql)
            return runs
        except Exception as error:
            planned = [paths_of[revision] for revision in tracer.planned]
            origin = failing_revision_line(error, planned)
            if origin is None:
                raise
            failed = tracer.planned[planned.index(origin[0])]
            reason = f"stopped here when run offline ({reason_line(error)})"
            runs.unlinted.append(Unlinted(failed, origin[0], origin[1], reason, OFFLINE_ADVICE))
            ran = tracer.planned[: tracer.planned.index(failed) + 1]
            applied = applied | frozenset(ran)
        finally:
            runs.traces.update(tracer.traces)


def reason_line(error: BaseException) -> str:
    """The error's type and the first line of its message."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
