"""A MariaDB table whose collation and comment the models both changed: `inv db.check` lists
the comment, which autogenerate writes, and the collation, which it leaves to write by hand
(with the statement that converts the table)."""

from __future__ import annotations

from project import Project
from servers import ServerDatabase, only_on
from test_catalog_truth import ITEMS, start_with
from test_drift_detection import inv, set_models

TABLE_ARGS = '    __table_args__ = {"mysql_collate": "utf8mb4_bin", "comment": "in stock"}\n\n'
CHANGED = ITEMS.replace("    id: Mapped", f"{TABLE_ARGS}    id: Mapped")


@only_on("mysql", why="a table's own collation is MariaDB's")
def test_a_table_s_written_comment_is_listed_beside_its_collation_left_by_hand(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    set_models(project, CHANGED)
    check = inv(project, database, "db.check", code=3)
    assert "table items: comment in stock in the models, none in the migrations" in check, check
    assert "table items: collation utf8mb4_bin in the models," in check, check
    convert = 'op.execute("ALTER TABLE items CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")'
    assert f"change it by hand ({convert})" in check, check
