"""A table's storage parameters (PostgreSQL), its typed row format, an invisible column and an
ignored index (MariaDB) change how the table behaves: one a revision makes with op.execute is
no drift, now or ever, and one made by hand is the database's difference, named in one line
(`inv db.status` exit 9)."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_catalog_truth import ITEMS, STATUS_DATABASE_DIFFERS, revision, start_with
from test_drift_detection import inv, models_match_test

BUILT = "in what its revision builds"
INDEXED = ITEMS + '    __table_args__ = (sa.Index("ix_items_qty", "qty"),)\n'


def made_by_a_revision(project: Project, database: ServerDatabase, *statements: str) -> None:
    head = inv(project, database, "db.heads").split()[0]
    upgrade = "\n".join(f"    op.execute({statement!r})" for statement in statements)
    project.write_revision(
        "0001_options.py",
        revision_source("0001options", head, upgrade, '    op.execute("SELECT 1")'),
    )
    inv(project, database, "db.upgrade")
    # The models leave them to the revisions: no revision is needed, now or ever.
    assert "No changes" in inv(project, database, "db.check")
    inv(project, database, "db.status")
    assert models_match_test(project, database).returncode == 0
    assert "No changes detected" in revision(project, database, "nothing")


@only_on("postgresql", why="storage parameters are PostgreSQL's")
def test_a_revision_s_storage_parameters_are_no_drift_hand_made_ones_are_named(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    made_by_a_revision(project, database, "ALTER TABLE items SET (autovacuum_enabled=false)")

    database.query("ALTER TABLE items SET (fillfactor=70)")

    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert (
        f"table items: storage parameters autovacuum_enabled=false {BUILT},"
        " autovacuum_enabled=false, fillfactor=70 in the database"
    ) in status, status


@only_on("mysql", why="invisible columns, ignored indexes and row formats are MariaDB's")
def test_a_revision_s_invisible_column_and_ignored_index_are_no_drift_hand_made_ones_are_named(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, INDEXED)
    made_by_a_revision(
        project,
        database,
        "ALTER TABLE items ALTER INDEX ix_items_qty IGNORED",
        "ALTER TABLE items MODIFY qty INTEGER NOT NULL DEFAULT 0 INVISIBLE",
    )

    database.query("ALTER TABLE items ALTER INDEX ix_items_qty NOT IGNORED")
    database.query("ALTER TABLE items MODIFY qty INTEGER NOT NULL DEFAULT 0")
    database.query("ALTER TABLE items ROW_FORMAT=REDUNDANT")

    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert f"table items: row format the server's default {BUILT}, REDUNDANT" in status, status
    assert f"column items.qty: invisible yes {BUILT}, no in the database" in status, status
    assert f"index items.ix_items_qty: ignored by the optimizer yes {BUILT}, no" in status, status
