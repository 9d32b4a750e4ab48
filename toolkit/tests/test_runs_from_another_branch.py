"""A revision from another branch ran here, then the database was stamped away from it with
`inv db.stamp --purge`: what its run left is not "added by hand" while alembic_revision_checksums
still records it as run. Status names that revision. The wording is no dialect's: SQLite's is
enough."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_status_sides import inv

DATABASE_DIFFERS = 9
FIRST, OTHER = "dddd00000001", "dddd00000009"
TABLE = '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'
COLUMN = '    op.add_column("t", sa.Column("c", sa.Integer))'


@only_on("sqlite", why="the records and the wording are the same on every database")
def test_a_column_left_by_a_run_of_another_branchs_revision_names_that_revision(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLE))
    other = project.write_revision(f"{OTHER}_c.py", revision_source(OTHER, FIRST, COLUMN))
    assert inv(project, database, "db.upgrade").returncode == 0
    other.unlink()  # checking out the branch without it
    stamped = inv(project, database, "db.stamp", "--purge", "-r", FIRST)
    assert stamped.returncode == 0, stamped.stderr

    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "so they were added by hand" not in verdict, verdict
    assert f"revision {OTHER}" in verdict and "alembic_revision_checksums" in verdict, verdict
    assert "column t.c" in verdict, verdict
    refused = inv(project, database, "db.revision", "-m", "x")
    assert refused.returncode == DATABASE_DIFFERS, refused.stdout + refused.stderr
    assert f"records revision {OTHER} as run here" in refused.stderr, refused.stderr
