"""A column added by hand to the database and to the models alike: the advice keeps its data.
`inv db.revision` writes the revision that adds it from what the database's revision builds (a
scratch database), not from the database, which has it already; `inv db.stamp -r head` then
records that the database holds it. Every command named is run here, in order."""

from __future__ import annotations

import json

from project import Project, created_revision, one_error_line
from servers import ServerDatabase, only_on
from test_drift_detection import inv, revise_and_upgrade, set_models

DATABASE_DIFFERS = 9
CUSTOMERS = """

class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
"""
PHONE = "    phone: Mapped[str | None] = mapped_column(sa.String(20))\n"
WRITE = 'inv db.revision -m "'
STAMP = "inv db.stamp -r head"
ALIKE = "column customers.phone is in the database but not in what its revision builds"
IN_THE_MODELS = "column customers.phone is in the models but not in the migrations"


def test_a_column_added_by_hand_and_to_the_models_is_kept_by_a_revision_and_a_stamp(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, CUSTOMERS)
    revise_and_upgrade(project, database, "customers")
    database.query("INSERT INTO customers (id) VALUES (1)")
    database.query("ALTER TABLE customers ADD COLUMN phone VARCHAR(20)")
    database.query("UPDATE customers SET phone = '555'")
    set_models(project, CUSTOMERS + PHONE)
    # The models match the live database, yet no revision builds the column (every fresh
    # database would lack it): still the database's side, never "No changes".
    env = {"DATABASE_URL": database.url}
    document = json.loads(project.inv("db.status", "--json", code=DATABASE_DIFFERS, env=env).stdout)
    assert document["database_differences"] == [ALIKE], document
    assert document["model_differences"] == [IN_THE_MODELS], document
    check = project.inv("db.check", code=DATABASE_DIFFERS, env=env)
    assert "No changes" not in check.stdout, check.stdout
    assert "the database is not what its revision builds" in one_error_line(check.stderr)
    status = inv(project, database, "db.status", code=DATABASE_DIFFERS)
    assert WRITE in status and STAMP in status, status
    assert status.index(WRITE) < status.index(STAMP), status
    # Written from the revision's build, not from the live database (which has the column).
    written = inv(project, database, "db.revision", "-m", "Keep customers.phone")
    assert STAMP in written and "Created revision" in written, written
    assert "add_column" in (project.path / created_revision(written)[1]).read_text()
    inv(project, database, "db.stamp", "-r", "head")
    assert "up to date" in inv(project, database, "db.status")
    assert database.query("SELECT id, phone FROM customers") == [(1, "555")]
    inv(project, database, "db.downgrade", "-r", "-1")
    assert "phone" not in database.columns("customers")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


@only_on(
    "sqlite",
    why="test_status_sides refuses db.revision over a column added by hand on every database",
)
def test_a_revision_refused_over_a_hand_addition_exits_as_status_does(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, CUSTOMERS)
    revise_and_upgrade(project, database, "customers")
    database.query("ALTER TABLE customers ADD COLUMN phone VARCHAR(20)")
    inv(project, database, "db.status", code=DATABASE_DIFFERS)
    refused = inv(project, database, "db.revision", "-m", "nothing", code=DATABASE_DIFFERS)
    assert "Drop column customers.phone by hand" in refused and STAMP not in refused, refused


# A hand column that differs from the models' declaration, and the SQL that drops it again.
UNLIKE_THE_MODELS = [
    ("its length", "ALTER TABLE customers ADD COLUMN phone VARCHAR(20)"),
    ("its default", "ALTER TABLE customers ADD COLUMN phone VARCHAR(40) DEFAULT 'none'"),
]
PHONE_40 = "    phone: Mapped[str | None] = mapped_column(sa.String(40))\n"


@only_on(
    "sqlite",
    "postgresql",
    why="status's and db.revision's reading of the hand column is one code on every database;"
    " PostgreSQL is the server the column's length was found on (MariaDB alike, by hand)",
)
def test_a_hand_column_unlike_the_models_gets_the_advice_db_revision_gives(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, CUSTOMERS)
    revise_and_upgrade(project, database, "customers")
    set_models(project, CUSTOMERS + PHONE_40)
    for unlike, added in UNLIKE_THE_MODELS:
        database.query(added)
        status = inv(project, database, "db.status", code=DATABASE_DIFFERS)
        # Kept by a revision and a stamp only when it is what the models declare: a stamp
        # would record a column the revision does not build. Dropped, the revision follows.
        assert STAMP not in status, (unlike, status)
        assert "Drop column customers.phone by hand" in status, (unlike, status)
        assert status.index("Drop column") < status.index(WRITE), (unlike, status)
        refused = inv(project, database, "db.revision", "-m", "phone", code=DATABASE_DIFFERS)
        assert "Drop column customers.phone by hand" in refused, (unlike, refused)
        database.query("ALTER TABLE customers DROP COLUMN phone")
