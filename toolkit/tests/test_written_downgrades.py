"""The downgrade `inv db.revision` writes restores what the upgrade started from, and the
revision's check runs it: head's build, the new revision applied and reverted on the same
scratch database, must be described as head's build was (issue 19)."""

from __future__ import annotations

import pytest
from project import Project
from servers import ServerDatabase, only_on
from test_catalog_truth import ITEMS, revision, start_with, written_path
from test_drift_detection import inv, set_models

CUSTOMERS = """

class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        {email_index},
        sa.Index("ix_customers_name_desc", sa.column("name").desc()),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    email: Mapped[str] = mapped_column(sa.String(80, collation="{collation}"))
    size: Mapped[str] = mapped_column(
        sa.Enum({sizes}, native_enum=False, create_constraint=True, name="size")
    )
"""

COLLATIONS = {"sqlite": "NOCASE", "postgresql": "C", "mysql": "utf8mb4_bin"}


# MariaDB indexes no expression but a generated column's.
EMAIL_INDEXES = {"mysql": '"email"'}
LOWER_EMAIL = 'sa.func.lower(sa.column("email"))'


def customers(database: ServerDatabase, sizes: str) -> str:
    """The customers model on ``database``'s kind of server, with the enum's ``sizes``."""
    on = EMAIL_INDEXES.get(database.kind, LOWER_EMAIL)
    return CUSTOMERS.format(
        sizes=sizes,
        collation=COLLATIONS[database.kind],
        email_index=f'sa.Index("ix_customers_email_lower", {on})',
    )


def test_a_narrowed_enum_revision_downgrades_to_what_it_started_from(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, customers(database, '"s", "m", "l", "xl"'))
    set_models(project, customers(database, '"s", "m", "l"'))
    written = revision(project, database, "narrow sizes")
    # Only the lint's findings (`<file>:<line>: <rule>`), nothing left to write by hand.
    warnings = [line for line in written.splitlines() if line.startswith("warning: ")]
    assert all(".py:" in line for line in warnings), written
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    # db.downgrade compares what it left with what its target builds (exit 9 if they differ).
    inv(project, database, "db.downgrade", "--yes")
    database.query("INSERT INTO customers (name, email, size) VALUES ('a', 'b', 'xl')")
    with pytest.raises(Exception, match="ck_customers_size"):
        database.query("INSERT INTO customers (name, email, size) VALUES ('a', 'b', 'q')")
    database.query("DELETE FROM customers")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    # The service's stairway agrees: each downgrade restores what its upgrade started from.
    env = {} if database.kind == "sqlite" else {"TEST_DATABASE_URL": database.url}
    stairway = project.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/test_migrations.py",
        "-k",
        "restores",
        env=env,
    )
    assert stairway.returncode == 0, stairway.stdout + stairway.stderr


@only_on("sqlite", why="elsewhere the index is reflected with its order, and written so")
def test_a_downgrade_that_loses_what_its_upgrade_started_from_is_named_by_the_revision(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, customers(database, '"s", "m"'))
    # SQLite reflects `name DESC` as `name`: the downgrade creates the index again ascending.
    set_models(project, customers(database, '"s", "m"').replace(".desc())", '.desc(), "email")'))
    written = revision(project, database, "index email too", code=1)
    index = "index customers.ix_customers_name_desc: definition (name desc) in what"
    assert index in written, written
    assert "leaves: drop it and create it again as" in written, written
    assert "its downgrade() does not restore what" in written, written


def test_rows_a_data_revision_wrote_are_no_schema_to_restore_or_record(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    inv(project, database, "db.schema")
    # A data revision as a team writes one: blank, then filled in by hand.
    path = written_path(project, inv(project, database, "db.revision", "-m", "rows", "--empty"))
    source = path.read_text()
    filled = source.replace("    pass", '    op.execute("INSERT INTO items (qty) VALUES (1)")', 1)
    path.write_text(filled)
    inv(project, database, "db.upgrade")
    # The counter the row moved (MariaDB's AUTO_INCREMENT) is the rows', not the schema's.
    inv(project, database, "db.schema", "--check")
    set_models(project, "")
    revision(project, database, "drop items")
