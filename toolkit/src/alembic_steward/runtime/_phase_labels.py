"""Each revision's phase, as its file labels it: `expand` or `contract`.

An expand revision leaves the previous release's code working (it adds); a contract revision
does not (it drops, renames, narrows). The file says which in a module-level line,
``phase: str = "expand"``, that script.py.mako writes; the line is read from the text, as the
start-up guard reads `revision = ...`, so nothing is imported to learn it.

A revision without the line, or with a value that is neither, counts as contract: an
unlabelled revision may drop anything, and the mistake that costs is letting an old release
start against a schema it cannot use.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

EXPAND = "expand"
CONTRACT = "contract"
PHASES = (EXPAND, CONTRACT)
# What an unlabelled revision counts as (decisions.md: "Unlabelled revisions are contract").
UNLABELLED_PHASE = CONTRACT

# `phase: str = "expand"` or `phase = 'contract'`, at the start of a line.
PHASE_LINE = re.compile(r"""^phase\s*(?::[^=\n]*)?=\s*["']([^"'\n]*)["']\s*(?:#.*)?$""", re.M)
# Where the phases inferred for revisions about to be written wait for script.py.mako.
INFERRED_PHASES = "alembic_steward.inferred_phases"


def label_in_text(text: str) -> str | None:
    """The phase a revision file's text labels it with, as written; None without a label."""
    match = PHASE_LINE.search(text)
    return match.group(1) if match else None


def phase_of_text(text: str) -> str:
    """The phase that counts for a revision file's text: its label, or contract."""
    label = label_in_text(text)
    return label if label in PHASES else UNLABELLED_PHASE


def phase_of_file(path: str | Path) -> str:
    """The phase that counts for the revision file at ``path`` (its label, or contract)."""
    stat = Path(path).stat()
    return phase_of_version(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def phase_of_version(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by modification time and size too, so an edited file is read again; a fan-out
    # records each revision's phase in every tenant and reads each file once.
    return phase_of_text(Path(path).read_text(encoding="utf-8"))


def phase_of_new_revision(config: Any, up_revision: str, down_revision: Any = None) -> str:
    """The phase script.py.mako writes into a new revision: the one inferred from its
    operations (`inv db.revision`), expand for a merge (it changes nothing), else contract
    (a blank revision is written by hand; its author relabels it expand if it only adds)."""
    inferred = getattr(config, "attributes", {}).get(INFERRED_PHASES, {})
    if up_revision in inferred:
        return inferred[up_revision]
    if isinstance(down_revision, tuple | list) and len(down_revision) > 1:
        return EXPAND
    return UNLABELLED_PHASE


def template_writes_phases(script_dir: str | None) -> bool:
    """Whether the project's script.py.mako (in ``script_dir``) writes a phase line into new
    revisions. A team that took it out does not use phases: autogenerate then writes one change
    as one revision, never split into an expand and a contract one nobody labels."""
    if script_dir is None:
        return True
    try:
        template = (Path(script_dir) / "script.py.mako").read_text(encoding="utf-8")
    except OSError:
        return True  # Alembic says that itself, when it writes
    return "phase_of_new_revision" in template
