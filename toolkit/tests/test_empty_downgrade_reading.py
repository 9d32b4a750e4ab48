"""The downgrade's warning and the lint's finding read an empty downgrade() one way, as Alembic
finds the functions (_revision_functions.py): an async one counts."""

from __future__ import annotations

from pathlib import Path

from alembic_steward.runtime._empty_downgrades import empty_downgrade

ASYNC_EMPTY = (
    "async def upgrade():\n    op.create_table('t')\n\n\nasync def downgrade():\n    pass\n"
)


def test_an_empty_async_downgrade_is_found(tmp_path: Path) -> None:
    path = tmp_path / "r1_t.py"
    path.write_text(ASYNC_EMPTY, encoding="utf-8")
    assert empty_downgrade(path)
