"""What a PostgreSQL table does beyond its columns (row level security, its policies, rewrite
rules, UNLOGGED) is the revisions' business, like a trigger: one a revision makes with
op.execute is no drift, and one made by hand is the database's difference, named in one line
(`inv db.status` exit 9)."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_catalog_truth import ITEMS, STATUS_DATABASE_DIFFERS, revision, start_with
from test_drift_detection import inv, models_match_test

BUILT = "in what its revision builds"
MADE_BY_THE_REVISION = (
    "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY items_positive ON items USING (qty >= 0)",
    "CREATE RULE items_kept AS ON DELETE TO items DO INSTEAD NOTHING",
    "ALTER TABLE items SET UNLOGGED",
)


@only_on("postgresql", why="row level security, policies and rules are PostgreSQL's")
def test_row_level_security_enabled_by_hand_is_the_database_s_difference(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    database.query("ALTER TABLE items ENABLE ROW LEVEL SECURITY")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    line = f"table items: row level security off {BUILT}, enabled in the database"
    assert line in status, status
    assert line in inv(project, database, "db.check", code=STATUS_DATABASE_DIFFERS)
    database.query("ALTER TABLE items DISABLE ROW LEVEL SECURITY")
    inv(project, database, "db.status")


@only_on("postgresql", why="row level security, policies and rules are PostgreSQL's")
def test_a_revision_s_policies_rules_and_unlogged_table_are_no_drift_hand_made_ones_are_named(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    head = inv(project, database, "db.heads").split()[0]
    upgrade = "\n".join(f"    op.execute({statement!r})" for statement in MADE_BY_THE_REVISION)
    project.write_revision(
        "0001_behaviour.py",
        revision_source("0001behaviour", head, upgrade, '    op.execute("SELECT 1")'),
    )
    inv(project, database, "db.upgrade")
    # The models leave them to the revisions: no revision is needed, now or ever.
    assert "No changes" in inv(project, database, "db.check")
    inv(project, database, "db.status")
    assert models_match_test(project, database).returncode == 0
    assert "No changes detected" in revision(project, database, "nothing")

    database.query("ALTER TABLE items FORCE ROW LEVEL SECURITY")
    database.query("CREATE POLICY items_small ON items FOR SELECT USING (qty < 10)")
    database.query("ALTER TABLE items SET LOGGED")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert (
        f"table items: persistence unlogged {BUILT}, logged in the database;"
        f" row level security enabled {BUILT}, enabled and forced on the table's owner"
        " in the database"
    ) in status, status
    assert f"policy items.items_small is in the database but not {BUILT}" in status, status
    assert "items_positive" not in status and "items_kept" not in status, status
