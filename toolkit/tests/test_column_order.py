"""A table's column order (what `SELECT *` and an `INSERT ... VALUES` without a column list
follow) is described, and compared only by a caller asking: no verdict compares it, neither with
the models (autogenerate's add_column appends a column the models may list first) nor with what
the database's own revision builds (a downgrade brings a dropped column back last)."""

from __future__ import annotations

import pytest
from catalog_feature import DIALECTS
from project import Project
from servers import ServerDatabase
from sqlalchemy import Column, Integer, MetaData, String, Table, Text
from test_catalog_truth import ITEMS, start_with
from test_drift_detection import inv, revise_and_upgrade, set_models

from alembic_steward.catalog import compare_catalogs, compare_with_models
from alembic_steward.catalog._column_order import same_order

KINDS = [pytest.param(kind, marks=pytest.mark.xdist_group(f"catalog[{kind}]")) for kind in DIALECTS]
# The authors table with bio moved after id, as each database's hand would: MariaDB by MODIFY
# ... AFTER, the others by rebuilding the table.
REORDERED = {
    "mysql": ("ALTER TABLE authors MODIFY bio TEXT AFTER id",),
    "sqlite": (
        "CREATE TABLE authors (id INTEGER NOT NULL, bio TEXT, name VARCHAR(50), PRIMARY KEY (id))",
    ),
    "postgresql": (
        "CREATE TABLE authors (id INTEGER NOT NULL, bio TEXT, name VARCHAR(50),"
        " CONSTRAINT authors_pkey PRIMARY KEY (id))",
    ),
}
# The same column order everywhere: what the live database has, and the models' order.
ORDER_LINE = (
    "table authors: column order id, name, bio in the models, id, bio, name in the database"
)


def authors() -> MetaData:
    metadata = MetaData()
    Table(
        "authors",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(50)),
        Column("bio", Text),
    )
    return metadata


@pytest.mark.parametrize("kind", KINDS)
def test_a_reordered_table_is_named_only_where_column_order_is_compared(
    scratch_pairs, kind: str
) -> None:
    base, changed = scratch_pairs(kind)
    expected = base.build(authors())
    by_hand = REORDERED[kind]
    actual = changed.build(authors() if kind == "mysql" else MetaData(), by_hand)
    ordered = [d.line() for d in compare_catalogs(expected, actual, column_order=True)]
    assert ordered == [ORDER_LINE]
    assert compare_catalogs(expected, actual) == []
    assert compare_with_models(expected, actual) == []


def test_a_column_one_side_lacks_is_no_difference_of_order() -> None:
    assert same_order("id, name", "id, name, bio")
    assert same_order("id, bio, name", "id, name")
    assert not same_order("id, name, bio", "id, bio, name")


def test_models_listing_a_column_first_and_a_column_brought_back_last_are_no_difference(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    # The models list note before qty; the revision appends it: no drift either way.
    note = "    note: Mapped[str | None] = mapped_column(sa.String(20))\n"
    set_models(project, ITEMS.replace("    qty: Mapped", note + "    qty: Mapped"))
    revise_and_upgrade(project, database, "note")
    assert "No changes" in inv(project, database, "db.check")
    inv(project, database, "db.status")

    # Dropped and added again, qty comes last, as a downgrade over a drop_column brings it back:
    # the same schema in another order, which no verdict calls a difference.
    database.query("ALTER TABLE items DROP COLUMN qty")
    database.query("ALTER TABLE items ADD COLUMN qty INTEGER NOT NULL DEFAULT 0")
    status = inv(project, database, "db.status")
    assert "column order" not in status, status
    assert "No changes" in inv(project, database, "db.check")
