"""What autogenerate writes wrong for a database, `inv db.revision` writes right (issue 19): a
UNIQUE constraint PostgreSQL folds into the primary key, a non-native Enum's CHECK, a SQLite
table with a generated column; each applies, and `inv db.check` is clean right after."""

from __future__ import annotations

import pytest
from project import Project
from servers import ServerDatabase, only_on
from test_catalog_truth import revision, start_with, written_path
from test_drift_detection import inv, set_models

ORDERS = """

class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (sa.UniqueConstraint("id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    color: Mapped[str] = mapped_column(sa.Enum("red", "blue", name="color"))
"""
EVENTS = """

class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(
        sa.Enum({kinds}, native_enum=False, create_constraint=True, name="event_kind")
    )
"""
PEOPLE = """

class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String({length}))
    name_upper: Mapped[str | None] = mapped_column(sa.String(20), sa.Computed("upper(name)"))
    shout: Mapped[str | None] = mapped_column(sa.String(20))
"""


@only_on("postgresql", why="only PostgreSQL drops a UNIQUE on the primary key's columns")
def test_a_unique_constraint_on_the_primary_key_is_no_change_and_no_operation(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, ORDERS)
    written = revision(project, database, "start")
    text = written_path(project, written).read_text()
    # A new enum type only adds: labelled expand, as the lint reads it.
    assert 'phase: str = "expand"' in text and "expand-only-in-contract" not in written
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    set_models(project, ORDERS + "    note: Mapped[str | None]\n")
    checked = inv(project, database, "db.check", code=3)
    assert "uq_orders_id" not in checked and "column orders.note" in checked
    status = inv(project, database, "db.status", code=3)
    assert status.count("column orders.note") == 1, status
    text = written_path(project, revision(project, database, "note")).read_text()
    assert "unique" not in text and "add_column" in text
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


@only_on("postgresql", "mysql", why="SQLite's batch rebuild replaces the CHECK with the table")
def test_a_value_added_to_a_non_native_enum_replaces_its_check_both_ways(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, EVENTS.format(kinds='"a", "b"'))
    set_models(project, EVENTS.format(kinds='"a", "b", "cc"'))
    checked = inv(project, database, "db.check", code=3)
    assert "by hand" not in checked and "events.event_kind" not in checked, checked
    revision(project, database, "cc")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    database.query("INSERT INTO events (kind) VALUES ('cc')")
    database.query("DELETE FROM events")
    inv(project, database, "db.downgrade", "--yes")
    # The old CHECK is back, under its name, and the upgrade replaces it again.
    with pytest.raises(Exception, match="ck_events_event_kind"):
        database.query("INSERT INTO events (kind) VALUES ('c')")
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


@only_on("sqlite", why="elsewhere a column changes in place, without copying the table")
def test_a_sqlite_table_with_a_generated_column_is_rebuilt_both_ways(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, PEOPLE.format(length=20))
    database.query("INSERT INTO people (name) VALUES ('abc')")
    set_models(project, PEOPLE.format(length=40))
    assert "by hand" not in inv(project, database, "db.check", code=3)
    written = revision(project, database, "longer names")
    assert "drop-column" not in written and "in-expand" not in written  # no drop for the lint
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    assert database.query("SELECT name, name_upper FROM people") == [("abc", "ABC")]
    columns = [row[1] for row in database.query("PRAGMA table_xinfo('people')")]
    assert columns == ["id", "name", "name_upper", "shout"]
    inv(project, database, "db.downgrade", "--yes")
    assert database.query("SELECT name, name_upper FROM people") == [("abc", "ABC")]
    assert (
        "VARCHAR(20)" in database.query("SELECT sql FROM sqlite_master WHERE name = 'people'")[0][0]
    )
