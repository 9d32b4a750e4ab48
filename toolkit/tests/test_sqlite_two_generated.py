"""A SQLite table with two generated columns of a type with a comma in it (`NUMERIC(10, 2)`):
SQLAlchemy reads their expressions as empty, and Alembic cannot place a column after one the
same batch added at the table's end. A change autogenerate writes for it applies both ways."""

from __future__ import annotations

import re

import pytest
from project import Project, created_revision
from servers import ServerDatabase, only_on
from test_drift_detection import inv, revise_and_upgrade, set_models

PRICED = """

class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    price: Mapped[float | None] = mapped_column(sa.Numeric(10, 2){default})
    price_tax: Mapped[float | None] = mapped_column(sa.Numeric(10, 2), sa.Computed("price * 1.2"))
    price_total: Mapped[float | None] = mapped_column(
        sa.Numeric(10, 2), sa.Computed("price_tax + 1", persisted=True)
    )
"""
NAME = "    name: Mapped[str | None] = mapped_column(sa.String(9))\n"
NOTE = '    note: Mapped[str | None] = mapped_column(sa.String(9), server_default="n")\n'


def values(database: ServerDatabase) -> list[tuple]:
    return database.query("SELECT price_tax, price_total FROM items")


@only_on("sqlite", why="the batch copy and SQLite's reflection of generated columns")
@pytest.mark.parametrize("after", ["", NAME], ids=["generated-last", "a-column-after"])
def test_a_change_beside_two_generated_columns_is_written_so_it_applies_both_ways(
    project: Project, database: ServerDatabase, after: str
) -> None:
    set_models(project, PRICED.format(default="") + after)
    revise_and_upgrade(project, database, "items")
    database.query("INSERT INTO items (id, price) VALUES (1, 10)")
    set_models(project, PRICED.format(default=', server_default="1"') + after)
    written = revise_and_upgrade(project, database, "price default")
    assert "Computed('')" not in written and 'Computed("")' not in written, written
    assert values(database) == [(12, 13)]
    inv(project, database, "db.downgrade", "-r", "-1")
    assert values(database) == [(12, 13)]
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")


@only_on("sqlite", why="the batch copy and SQLite's reflection of generated columns")
def test_an_expand_and_contract_split_beside_two_generated_columns_applies(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, PRICED.format(default="") + NAME)
    revise_and_upgrade(project, database, "items")
    database.query("INSERT INTO items (id, price) VALUES (1, 10)")
    set_models(project, PRICED.format(default=', server_default="1"') + NOTE)
    output = inv(project, database, "db.revision", "-m", "note for name")
    assert "expand" in output and "contract" in output, output
    inv(project, database, "db.upgrade")
    assert values(database) == [(12, 13)]
    assert "No changes" in inv(project, database, "db.check")
    inv(project, database, "db.downgrade", "-r", "base")


POSITIVE_PRICE = "    __table_args__ = (sa.CheckConstraint('price > 0', name='positive_price'),)\n"


@only_on("sqlite", why="the batch copy and SQLite's reflection of generated columns")
def test_the_advised_batch_for_a_table_with_two_generated_columns_runs_as_copied(
    project: Project, database: ServerDatabase
) -> None:
    from project import revision_source

    set_models(project, PRICED.format(default="") + NAME + POSITIVE_PRICE)
    first, _ = created_revision(inv(project, database, "db.revision", "-m", "items"))
    inv(project, database, "db.upgrade")
    database.query("INSERT INTO items (id, price) VALUES (1, 10)")
    set_models(project, PRICED.format(default="") + NAME + POSITIVE_PRICE.replace(">", ">="))
    advice = inv(project, database, "db.check", code=3)
    batch = re.search(r"`(with op\.batch_alter_table\([^`]*\) as batch_op:)`", advice)
    calls = re.findall(r"`(batch_op\.[^`]*)`", advice)
    assert batch is not None and len(calls) == 2, advice
    upgrade = f"    {batch[1]}\n" + "".join(f"        {call}\n" for call in calls)
    # The reverse, as the line asks: the same drop, then the old text created.
    reverse = [calls[0], calls[1].replace(">=", ">")]
    downgrade = f"    {batch[1]}\n" + "".join(f"        {call}\n" for call in reverse)
    source = revision_source("0002check", first, upgrade, downgrade)
    project.write_revision("0002_check.py", source)
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    assert values(database) == [(12, 13)]
    inv(project, database, "db.downgrade", "-r", "-1")
    assert values(database) == [(12, 13)]
