"""The columns pending revisions rename are read from those revisions' files alone: a status on
a long history does not load every revision to read the few it is about to run."""

from __future__ import annotations

from project import Project, revision_source

FIRST, SECOND = "cccf00000001", "cccf00000002"
TABLE = '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'
RENAME = '    op.alter_column("t", "id", new_column_name="key")'
# An earlier revision that fails whenever it is imported: loading the whole history stops on it.
NOT_TO_BE_IMPORTED = '\nraise RuntimeError("the whole history was loaded")\n'


def test_a_pending_rename_is_read_without_loading_the_earlier_revisions(
    project: Project,
) -> None:
    project.write_revision(
        f"{FIRST}_t.py", revision_source(FIRST, None, TABLE) + NOT_TO_BE_IMPORTED
    )
    project.write_revision(f"{SECOND}_rename.py", revision_source(SECOND, FIRST, RENAME))
    with project.imported():
        from alembic_steward.inspection._revision_column_drops import renamed_by

        assert renamed_by([SECOND]) == {("t", "id")}
        assert renamed_by([FIRST]) == set()


def test_a_revision_whose_id_is_not_written_plainly_is_found_through_alembic(
    project: Project,
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLE))
    computed = revision_source(SECOND, FIRST, RENAME).replace(
        f"revision = {SECOND!r}", f"revision = {SECOND[:6]!r} + {SECOND[6:]!r}"
    )
    assert computed.count(f"{SECOND[:6]!r} + ") == 1
    project.write_revision("renames_t.py", computed)
    with project.imported():
        from alembic_steward.inspection._revision_column_drops import renamed_by

        assert renamed_by([SECOND]) == {("t", "id")}
