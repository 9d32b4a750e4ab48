"""`inv db.merge` keeps the schema file current: a merge revision builds nothing new, so a file
written at the heads it joins names the merge, as after a blank revision. The file handling is
the same on every database (the merge builds nothing), so these run on SQLite."""

from __future__ import annotations

from failures import write_revision
from project import Project, created_revision
from servers import ServerDatabase, only_on
from test_drift_detection import inv
from test_history_schema import schema_file

CREATE_T = '    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))'
CREATE_A = '    op.create_table("a", sa.Column("id", sa.Integer(), primary_key=True))'
CREATE_B = '    op.create_table("b", sa.Column("id", sa.Integer(), primary_key=True))'
WHY = "the merge builds nothing: only the file's text is read and written"


def merged(project: Project, database: ServerDatabase) -> tuple[str, str]:
    """`inv db.merge`'s output and the merge revision's id."""
    said = inv(project, database, "db.merge", "-m", "Merge heads")
    return said, created_revision(said)[0]


@only_on("sqlite", why=WHY)
def test_a_merge_names_itself_in_the_schema_file_written_at_the_heads_it_joins(
    project: Project, database: ServerDatabase
) -> None:
    write_revision(project, "r1", None, CREATE_T)
    write_revision(project, "a2", "r1", CREATE_A)
    write_revision(project, "b2", "r1", CREATE_B)
    inv(project, database, "db.schema")
    path = schema_file(project, database)
    described = path.read_text().split("\n", 1)[1]  # all but the heads line
    said, merge = merged(project, database)
    assert "Updated app/migrations/schema.sqlite.txt to the new head" in said, said
    assert merge in path.read_text()
    assert path.read_text().split("\n", 1)[1] == described
    assert "is current" in inv(project, database, "db.schema", "--check")


@only_on("sqlite", why=WHY)
def test_a_merge_leaves_a_schema_file_written_at_other_heads_and_says_to_rebuild_it(
    project: Project, database: ServerDatabase
) -> None:
    # The file was written on one branch; the other head came with a pull, its table unseen.
    write_revision(project, "r1", None, CREATE_T)
    write_revision(project, "a2", "r1", CREATE_A)
    inv(project, database, "db.schema")
    path = schema_file(project, database)
    written = path.read_bytes()
    write_revision(project, "b2", "r1", CREATE_B)
    said, _merge = merged(project, database)
    assert "schema.sqlite.txt was written at head a2, not at the heads the merge joins" in said
    assert "run `inv db.schema`" in said, said
    assert path.read_bytes() == written
    stale = inv(project, database, "db.schema", "--check", code=1)
    assert "table b is in the migrations at head but not in" in stale, stale
    inv(project, database, "db.schema")
    assert "is current" in inv(project, database, "db.schema", "--check")
