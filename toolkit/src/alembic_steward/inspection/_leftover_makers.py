"""Which of the revisions a downgrade reverted made what it left behind, read from their files.

A downgrade over several revisions that leaves an object behind has one forgetful downgrade():
the one whose upgrade() made the object. That revision is the one whose upgrade() names it (a
quoted `"ix_users_email"`, `"notes"`; else the name as a word of its SQL): named alone when
exactly those revisions name the leftovers, else every reverted revision, as nothing tells them
apart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from alembic.script import ScriptDirectory

    from alembic_steward.catalog import Difference


def leftover_makers(found: list[Difference], reverted: list[str]) -> list[str]:
    """The revisions of ``reverted`` (newest first) whose upgrade() names a leftover in
    ``found``, when each leftover is named by exactly one; else ``reverted``."""
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    leftovers = [d for d in found if d.change == "unexpected"]
    if len(reverted) < 2 or len(leftovers) != len(found):
        return reverted
    script = ScriptDirectory.from_config(build_alembic_config(quiet=True))
    upgrades = upgrade_texts(script, reverted)
    if len(upgrades) != len(reverted):
        return reverted
    makers: list[str] = []
    for difference in leftovers:
        naming = revisions_naming(difference.subject.rpartition(".")[2], upgrades)
        if len(naming) != 1:
            return reverted
        makers += [revision for revision in naming if revision not in makers]
    return [revision for revision in reverted if revision in makers]


def upgrade_texts(
    script: ScriptDirectory, revisions: Iterable[str], function: str = "upgrade"
) -> dict[str, str]:
    """The source text of each of ``revisions``' upgrade() (or ``function``), as Python reads
    the file (_revision_functions.py: wherever it stands, the last one when two are written),
    for those whose file the history holds and parses, in the order given."""
    import ast

    from alembic_steward._revision_functions import migration_function

    upgrades = {}
    for revision in revisions:
        found = script.get_revision(revision)
        if found is None or found.path is None:
            continue
        text = Path(found.path).read_text(encoding="utf-8")
        try:
            upgrade = migration_function(ast.parse(text), function)
        except (SyntaxError, ValueError):
            continue  # Alembic could not have run it either
        if upgrade is not None:
            upgrades[revision] = ast.get_source_segment(text, upgrade) or ""
    return upgrades


def revisions_naming(name: str, upgrades: dict[str, str]) -> list[str]:
    """The revisions whose upgrade() text (``upgrades``) quotes ``name`` (`"notes"`); where
    none does, those naming it as a whole word (inspection/_names_in_text.py): what a
    revision makes in SQL (`op.execute("CREATE VIEW v_sub AS ...")`) is never quoted alone."""
    from alembic_steward.inspection._names_in_text import names

    quoted = re.compile(rf"""["']{re.escape(name)}["']""")
    naming = [revision for revision, text in upgrades.items() if quoted.search(text)]
    return naming or [revision for revision, text in upgrades.items() if names(text, name)]


def forgetful_downgrades(makers: list[str]) -> tuple[str, str]:
    """(`the downgrade() of r3 did not undo all its upgrade() made`, `that downgrade()`), in
    the plural for several revisions: each has its own downgrade()."""
    from alembic_steward._listing import listed

    if len(makers) == 1:
        return f"the downgrade() of {makers[0]} did not undo all its upgrade() made", (
            "that downgrade()"
        )
    return (
        f"the downgrade()s of {listed(makers)} did not undo all their upgrade()s made",
        "those downgrade()s",
    )
