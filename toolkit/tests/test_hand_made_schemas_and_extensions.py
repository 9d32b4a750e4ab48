"""PostgreSQL's hand changes to what is beside the tables: an extension moved to another schema
by hand is named with the ALTER EXTENSION that moves it back; the statement that restores an
extension is given behind head too, not only at head; and a schema made by hand is named with
the tables it holds (a few, then how many more)."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_catalog_truth import STATUS_DATABASE_DIFFERS
from test_drift_detection import inv
from test_sequence_owners_and_extensions import BUILT

WHY = "only PostgreSQL has extensions and schemas of its own"
EXTENSION = '    op.execute("CREATE EXTENSION IF NOT EXISTS hstore")'
LATER = '    op.create_table("later", sa.Column("id", sa.Integer, primary_key=True))'


def at_first_revision(project: Project, database: ServerDatabase) -> None:
    """The database at r1, which makes hstore."""
    project.write_revision("r1_hstore.py", revision_source("r1", None, EXTENSION))
    inv(project, database, "db.upgrade")


@only_on("postgresql", why=WHY)
def test_an_extension_moved_by_hand_is_named_with_the_statement_that_moves_it_back(
    project: Project, database: ServerDatabase
) -> None:
    at_first_revision(project, database)
    database.query("CREATE SCHEMA moved")
    database.query("ALTER EXTENSION hstore SET SCHEMA moved")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert f"extension hstore: schema public in {BUILT}, moved in the database" in status, status
    assert "`ALTER EXTENSION hstore SET SCHEMA public` restores it" in status, status

    database.query("ALTER EXTENSION hstore SET SCHEMA public")  # what the advice says
    database.query("DROP SCHEMA moved")
    assert "No changes" in inv(project, database, "db.check")


@only_on("postgresql", why=WHY)
def test_behind_head_the_statement_that_restores_an_extension_is_given_too(
    project: Project, database: ServerDatabase
) -> None:
    at_first_revision(project, database)
    project.write_revision("r2_later.py", revision_source("r2", "r1", LATER))
    database.query("DROP EXTENSION hstore")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert f"extension hstore is in {BUILT} but not in the database" in status, status
    assert "`CREATE EXTENSION hstore SCHEMA public` restores it" in status, status

    database.query("CREATE EXTENSION hstore SCHEMA public")  # what the advice says
    inv(project, database, "db.upgrade")
    # The database is what its revision builds (the models lack table later: exit 3).
    status = inv(project, database, "db.status", code=3)
    assert "database: against its revision rebuilt: same" in status, status


@only_on("postgresql", why=WHY)
def test_a_schema_made_by_hand_is_named_with_its_tables(
    project: Project, database: ServerDatabase
) -> None:
    at_first_revision(project, database)
    database.query("CREATE SCHEMA hand")
    for name in ("e", "d", "c", "b", "a"):
        database.query(f"CREATE TABLE hand.{name} (id integer)")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    line = f"schema hand is in the database but not in {BUILT}"
    assert f"{line} (tables hand.a, hand.b, hand.c and 2 more)" in status, status

    for name in ("e", "d", "c"):
        database.query(f"DROP TABLE hand.{name}")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert f"{line} (tables hand.a, hand.b)" in status, status
