"""`inv db.check`, `inv db.status`, `inv db.revision` and the baked test read the schema from the
catalogs (issue 19): what autogenerate does not compare is named, written or refused, applied,
and `db.check` is clean right after, on every database where it applies."""

from __future__ import annotations

import pytest
from project import Project, created_revision
from servers import ServerDatabase
from test_drift_detection import KEPT, inv, models_match_test, models_path, set_models

STATUS_DRIFT, STATUS_DATABASE_DIFFERS = 3, 9
ITEMS = """

class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    qty: Mapped[int] = mapped_column(server_default=sa.text("0"))
"""
QTY_CHECK = '    __table_args__ = (sa.CheckConstraint("qty >= 0", name="qty_positive"),)\n'
TICKETS = """

ticket_numbers = sa.Sequence("ticket_numbers", start=1000, metadata=Base.metadata)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(ticket_numbers, server_default=ticket_numbers.next_value())
"""
AUDIT_EVENTS = """

class Event(Base):
    __tablename__ = "events"
    __table_args__ = {"schema": "audit"}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
"""
COUNTERS = """

class Counter(Base):
    __tablename__ = "counters"

    id: Mapped[int] = mapped_column(sa.Identity(start={start}), primary_key=True)
"""
EQUIVALENTS = """

class Reading(Base):
    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    value: Mapped[float] = mapped_column(sa.Float(53))
    taken: Mapped[sa.DateTime] = mapped_column(sa.DateTime)
    __table_args__ = (sa.Index("ix_readings_taken_desc", sa.desc("taken")),)
"""


def revision(project: Project, database: ServerDatabase, message: str, code: int = 0) -> str:
    return inv(project, database, "db.revision", "-m", message, code=code)


def written_path(project: Project, output: str):
    return project.path / created_revision(output)[1]


def start_with(project: Project, database: ServerDatabase, *models: str) -> None:
    set_models(project, *models)
    revision(project, database, "start")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


def test_a_check_constraint_is_named_written_applied_and_then_clean(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    set_models(project, ITEMS.replace("    id: Mapped", QTY_CHECK + "\n    id: Mapped"))
    line = "check constraint items.ck_items_qty_positive is in the models but not in the migrations"
    assert line in inv(project, database, "db.check", code=1)
    assert line in inv(project, database, "db.status", code=STATUS_DRIFT)
    completed = models_match_test(project, database)
    assert completed.returncode == 1 and "ck_items_qty_positive" in completed.stdout
    written = revision(project, database, "qty check")
    assert "create_check_constraint" in written_path(project, written).read_text()
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    assert models_match_test(project, database).returncode == 0


def test_a_sequence_autogenerate_never_creates_is_named_and_written_by_hand(
    project: Project, database: ServerDatabase
) -> None:
    if database.kind != "postgresql":
        pytest.skip(f"{database.kind}: SQLAlchemy creates no sequence there")
    start_with(project, database, KEPT)
    set_models(project, KEPT, TICKETS)
    checked = inv(project, database, "db.check", code=1)
    assert "sequence ticket_numbers is in the models but not in" in checked
    assert "by hand" in checked and "CreateSequence" in checked
    # Autogenerate writes the table but not the sequence it needs: its revision fails on the
    # scratch database, so it is removed, and every change is named to write by hand.
    before = sorted(project.versions.glob("*.py"))
    written = revision(project, database, "tickets", code=1)
    assert "nothing was written" in written and "ticket_numbers" in written
    assert "table tickets is in the models" in written
    assert sorted(project.versions.glob("*.py")) == before
    blank = written_path(project, inv(project, database, "db.revision", "--empty", "-m", "t"))
    text = blank.read_text().partition("def upgrade() -> None:")[0]
    blank.write_text(
        f"{text}def upgrade() -> None:\n"
        '    op.execute(sa.schema.CreateSequence(sa.Sequence("ticket_numbers", start=1000)))\n'
        '    op.create_table(\n        "tickets",\n'
        '        sa.Column("id", sa.Integer(), nullable=False),\n'
        '        sa.Column("number", sa.Integer(), nullable=False,'
        " server_default=sa.text(\"nextval('ticket_numbers')\")),\n"
        '        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),\n    )\n\n\n'
        "def downgrade() -> None:\n"
        '    op.drop_table("tickets")\n'
        '    op.execute(sa.schema.DropSequence(sa.Sequence("ticket_numbers")))\n'
    )
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


def test_a_table_in_another_schema_is_written_once_and_then_clean(
    project: Project, database: ServerDatabase
) -> None:
    if database.kind != "postgresql":
        pytest.skip(f"{database.kind}: a schema is another database (or file) there")
    start_with(project, database, KEPT)
    (project.versions / "0001_audit_schema.py").write_text(
        created_schema_revision(project, database)
    )
    inv(project, database, "db.upgrade")
    set_models(project, KEPT, AUDIT_EVENTS)
    assert "table audit.events is in the models but not in" in inv(
        project, database, "db.check", code=1
    )
    written = revision(project, database, "audit events")
    text = written_path(project, written).read_text()
    assert text.count("op.create_table(") == 1 and 'schema="audit"' in text
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    assert "No changes detected" in revision(project, database, "again")


def created_schema_revision(project: Project, database: ServerDatabase) -> str:
    from project import revision_source

    head = inv(project, database, "db.heads").split()[0]
    return revision_source(
        "0001audit",
        head,
        '    op.execute("CREATE SCHEMA audit")',
        '    op.execute("DROP SCHEMA audit")',
    )


def test_an_identity_change_is_never_left_unapplied_or_unreported(
    project: Project, database: ServerDatabase
) -> None:
    if database.kind == "sqlite":
        pytest.skip("SQLite has no identity columns")
    start_with(project, database, COUNTERS.format(start=1))
    set_models(project, COUNTERS.format(start=100))
    if database.kind == "mysql":
        # MariaDB's identity is AUTO_INCREMENT, whose start is no part of the schema.
        assert "No changes" in inv(project, database, "db.check")
        return
    assert "column counters.id: identity" in inv(project, database, "db.check", code=1)
    # Written with the identity it changes, so that it applies (sqlalchemy/alembic#730).
    written = revision(project, database, "identity")
    assert "existing_server_default=sa.Identity(" in written_path(project, written).read_text()
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


def test_a_revision_is_refused_when_the_difference_is_the_database_s(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    database.query("ALTER TABLE items ADD COLUMN nickname VARCHAR(20)")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert "column items.nickname is in the database but not in what its revision builds" in status
    before = sorted(project.versions.glob("*.py"))
    refused = revision(project, database, "drop nickname", code=1)
    assert "no revision was written" in refused and "Created revision" not in refused
    assert sorted(project.versions.glob("*.py")) == before


def test_equivalent_spellings_are_no_drift(project: Project, database: ServerDatabase) -> None:
    # MariaDB stores Float(53) as DOUBLE and ignores DESC in older indexes; both sides alike.
    set_models(project, EQUIVALENTS)
    # On SQLite autogenerate leaves the descending index out; the toolkit writes it.
    revision(project, database, "readings")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    inv(project, database, "db.status")
    assert models_match_test(project, database).returncode == 0
    models = models_path(project)
    models.write_text(models.read_text().replace("sa.Float(53)", "sa.Float(24)"))
    if database.kind != "sqlite":  # SQLite keeps FLOAT whatever the precision
        assert "column readings.value: type" in inv(project, database, "db.check", code=1)
