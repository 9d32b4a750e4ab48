"""`db.status` reads which backfills a pending revision requires from its source, never running
it: a name passed through a constant or a declared Backfill's `.name` counts as a literal does."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_steward.backfills import DEFAULT_FINISH_INLINE_UP_TO
from alembic_steward.runtime._backfill_prerequisites import required_in

HEADER = "from alembic_steward.backfills import Backfill, require_backfill\n"
WAYS = {
    "a literal": ('    require_backfill("users_lower", finish_inline_up_to=10)\n', 10),
    "a module constant": (
        'NAME = "users_lower"\nLIMIT: int = 10\n\n\ndef upgrade():\n'
        "    require_backfill(NAME, finish_inline_up_to=LIMIT)\n",
        10,
    ),
    "a name assigned in upgrade()": (
        '    name = "users_lower"\n    require_backfill(name)\n',
        DEFAULT_FINISH_INLINE_UP_TO,
    ),
    "a declared backfill's name": (
        'fill = Backfill(name="users_lower", table="users", key="id", set="a = 1",'
        ' pending="a IS NULL")\nbackfills = [fill]\n\n\ndef upgrade():\n'
        "    require_backfill(fill.name)\n",
        DEFAULT_FINISH_INLINE_UP_TO,
    ),
}


@pytest.mark.parametrize("way", WAYS)
def test_the_required_backfill_is_read_however_its_name_is_passed(way: str, tmp_path: Path) -> None:
    body, up_to = WAYS[way]
    if not body.startswith(("NAME", "fill")):
        body = "def upgrade():\n" + body
    path = tmp_path / "revision.py"
    path.write_text(HEADER + body)

    assert required_in(str(path)) == [("users_lower", up_to)]


def test_a_name_computed_at_run_time_is_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "revision.py"
    path.write_text(HEADER + 'def upgrade():\n    require_backfill("users_" + "lower")\n')

    assert required_in(str(path)) == []
