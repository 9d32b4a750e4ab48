"""The tables the revisions' upgrade() drops or renames away, read from their files.

`inv db.status` has no listing from before a run, so a function naming a table a revision
dropped or renamed (`op.rename_table("posts", "articles")`) was never named broken: only the
columns `drop_column` drops were read (inspection/_revision_column_drops.py; the warnings given
before such a revision runs are inspection/_revision_table_drops.py). A table counts only where
the database lacks it now, so one made again by a later revision names nothing.
"""

from __future__ import annotations


def tables_taken_away(source: str) -> set[str]:
    """Each table (lower case) a revision file's upgrade() drops or renames, named plainly:
    the steps inspection/_revision_column_drops.py reads (`op.drop_table`, `op.rename_table`)."""
    from alembic_steward.inspection._revision_column_drops import upgrade_steps

    return {
        (step.renamed_table[0] if step.renamed_table else step.dropped_table).lower()
        for step in upgrade_steps(source)
        if step.dropped_table or step.renamed_table
    }


def history_table_drops(script: object) -> set[str]:
    """Every table a revision of ``script`` (an Alembic ScriptDirectory) drops or renames."""
    from alembic_steward.inspection._revision_column_drops import history_sources

    return {table for _, source in history_sources(script) for table in tables_taken_away(source)}


def history_table_renames(script: object, columns: dict) -> dict[str, str]:
    """Each table (lower case) a revision of ``script`` renames with `op.rename_table`, to its
    new name, where ``columns`` (a listing's tables) has a table of that name: the rename
    stands, not a drop after it."""
    from alembic_steward.inspection._revision_column_drops import history_sources, upgrade_steps

    return {
        step.renamed_table[0].lower(): step.renamed_table[1]
        for _, source in history_sources(script)
        for step in upgrade_steps(source)
        if step.renamed_table and (None, step.renamed_table[1].lower()) in columns
    }
