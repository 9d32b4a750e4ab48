"""A release's migration history read from its revision files' text, without importing them.

The start-up guard reads this code's files; `rollback-check` reads another release's, at a
git ref or in an installed copy. Alembic's ScriptDirectory imports every file (about 0.2 s at
300 revisions), and cannot import files of another release at all; the lines that matter,
`revision = ...` and `down_revision = ...`, are plain literals as script.py.mako writes
them, so they are read as text. (The phases of a release's own revisions are not needed: what
the database is judged by are the phases it recorded, runtime/_schema_fit.py.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

# `revision: str = "4f8376af1811"` and `down_revision: ... = None`, as script.py.mako writes them.
IDENTIFIER_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)
# A quoted id, or a tuple or list of them: what Alembic writes, and all the scan trusts.
QUOTED_ID = re.compile(r"""["'](\w+)["']""")
PLAIN_IDS = re.compile(r"""["']\w+["']|[(\[]\s*["']\w+["'](\s*,\s*["']\w+["'])*\s*,?\s*[)\]]""")


@dataclass(frozen=True)
class CodeHistory:
    """One release's revision ids, its heads among them, each revision's parents and its phase
    label as written (None for an unlabelled one, which counts as contract where that is the
    safe side and never where it would let code start)."""

    revisions: frozenset[str]
    heads: frozenset[str]
    parents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    labels: Mapping[str, str | None] = field(default_factory=dict)

    def pending(self, current: Iterable[str]) -> set[str]:
        """The revisions an upgrade from ``current`` to the heads would run."""
        return self.below(self.heads) - self.below(current)

    def below(self, tops: Iterable[str]) -> set[str]:
        """``tops`` and every revision under them."""
        seen: set[str] = set()
        stack = list(tops)
        while stack:
            revision = stack.pop()
            if revision not in seen:
                seen.add(revision)
                stack.extend(self.parents.get(revision, ()))
        return seen


def history_from_texts(texts: Iterable[str]) -> CodeHistory | None:
    """Read a history from the revision files' texts; None when one is not plainly written."""
    from alembic_steward.runtime._phase_labels import label_in_text

    parents: dict[str, tuple[str, ...]] = {}
    labels: dict[str, str | None] = {}
    for text in texts:
        assignments = dict(IDENTIFIER_LINE.findall(text))
        revision = ids_in(assignments.get("revision", ""))
        down_revision = ids_in(assignments.get("down_revision", ""))
        if revision is None or len(revision) != 1 or down_revision is None:
            return None  # computed or unusual: let Alembic itself read the history
        parents[revision[0]] = tuple(down_revision)
        labels[revision[0]] = label_in_text(text)
    revisions = frozenset(parents)
    below = {parent for each in parents.values() for parent in each}
    return CodeHistory(revisions, revisions - below, parents, labels)


def revision_file_names(names: Iterable[str]) -> list[str]:
    """The names among ``names`` that Alembic reads as revision files."""
    return [
        name
        for name in names
        if name.endswith(".py") and not Path(name).name.startswith(("__init__", ".#"))
    ]


def history_from_files(versions: Path) -> CodeHistory | None:
    """Read the history of the revision files in ``versions`` (see history_from_texts)."""
    paths = [versions / name for name in revision_file_names(p.name for p in versions.iterdir())]
    return history_from_texts(path.read_text(encoding="utf-8") for path in paths)


def history_from_script(script: ScriptDirectory) -> CodeHistory:
    """The history as Alembic reads it (imports every file): the exact answer, and slower."""
    from alembic_steward.runtime._phase_labels import label_in_text

    scripts = list(script.walk_revisions())
    parents = {s.revision: tuple(s._normalized_down_revisions) for s in scripts}
    labels = {s.revision: label_in_text(Path(s.path).read_text(encoding="utf-8")) for s in scripts}
    return CodeHistory(frozenset(parents), frozenset(script.get_heads()), parents, labels)


def ids_in(value: str) -> list[str] | None:
    """The revision ids a literal names (`None`, `"a"`, `("a", "b")`), or None for anything else."""
    if value == "None":
        return []
    if not PLAIN_IDS.fullmatch(value):
        return None
    return QUOTED_ID.findall(value)
