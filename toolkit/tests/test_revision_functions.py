"""Every reading of a revision's upgrade() or downgrade() finds the one Alembic calls, and
reads a change to it as the checksums do."""

from __future__ import annotations

import ast

from migration_faults import IRREVERSIBLE_IMPORT

UPGRADE = '''
def upgrade() -> None:
    """Add the notes."""
    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))
'''


def test_an_upgrade_reworded_in_its_docstring_or_comments_is_no_edit_to_it() -> None:
    from alembic_steward._checksum_format import checksum_without_downgrade
    from alembic_steward.inspection._unrun_edits import upgrade_names

    reworded = UPGRADE.replace("Add the notes.", "Make the notes table.").replace(
        "    op.create_table", "    # one row per note\n    op.create_table"
    )
    assert checksum_without_downgrade(reworded) == checksum_without_downgrade(UPGRADE)
    assert upgrade_names(reworded) == upgrade_names(UPGRADE)
    assert "notes" in upgrade_names(UPGRADE)[1]


def test_a_function_written_twice_is_read_as_the_second_the_one_python_keeps() -> None:
    from alembic_steward.inspection._unrun_edits import upgrade_names
    from alembic_steward.runtime._irreversible_plans import declared_irreversible

    downgrades = (
        f"{IRREVERSIBLE_IMPORT}\n\n\ndef downgrade() -> None:\n"
        '    raise IrreversibleMigration("gone")\n\n\n'
        'def downgrade() -> None:\n    op.drop_table("notes")\n'
    )
    assert declared_irreversible(ast.parse(downgrades)) is None
    upgrades = UPGRADE + 'def upgrade() -> None:\n    op.create_table("tags")\n'
    assert upgrade_names(upgrades)[1] == frozenset({"tags"})
