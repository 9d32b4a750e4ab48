"""Which of the revisions a downgrade reverted made what it left behind, read from their files.

A downgrade over several revisions that leaves an object behind has one forgetful downgrade():
the one whose upgrade() made the object. That revision is the one whose upgrade() names it (a
quoted `"ix_users_email"`, `"notes"`): named alone when exactly those revisions name the
leftovers, else every reverted revision, as nothing tells them apart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    upgrades = {}
    for revision in reverted:
        found_script = script.get_revision(revision)
        if found_script is None or found_script.path is None:
            return reverted
        text = Path(found_script.path).read_text(encoding="utf-8")
        upgrades[revision] = text.partition("def downgrade")[0].partition("def upgrade")[2]
    makers: list[str] = []
    for difference in leftovers:
        name = difference.subject.rpartition(".")[2]
        quoted = re.compile(rf"""["']{re.escape(name)}["']""")
        naming = [revision for revision in reverted if quoted.search(upgrades[revision])]
        if len(naming) != 1:
            return reverted
        makers += [revision for revision in naming if revision not in makers]
    return [revision for revision in reverted if revision in makers]
