"""MariaDB's scheduled events are read from the catalog like triggers and stored routines: one a
revision makes with op.execute is no drift, one made by hand is the database's difference,
named in one line, and `inv db.reset` drops it."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_catalog_truth import ITEMS, STATUS_DATABASE_DIFFERS, start_with
from test_drift_detection import inv, models_match_test

EVENT = "CREATE EVENT {name} ON SCHEDULE EVERY 1 DAY DO DELETE FROM items WHERE qty < 0"
COUNT = (
    "SELECT count(*) FROM information_schema.EVENTS"
    " WHERE EVENT_SCHEMA = DATABASE() AND EVENT_NAME = '{name}'"
)


@only_on("mysql", why="only MariaDB (and MySQL) schedule events of their own")
def test_a_revision_s_event_is_no_drift_a_hand_made_one_is_named_and_reset_drops_it(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    head = inv(project, database, "db.heads").split()[0]
    made, drop = EVENT.format(name="nightly"), "DROP EVENT nightly"
    project.write_revision(
        "0001_event.py",
        revision_source(
            "0001event", head, f"    op.execute({made!r})", f"    op.execute({drop!r})"
        ),
    )
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    inv(project, database, "db.status")
    assert models_match_test(project, database).returncode == 0

    database.query(EVENT.format(name="sweep"))
    line = "event sweep is in the database but not in what its revision builds"
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert line in status, status
    assert "nightly" not in status, status
    assert line in inv(project, database, "db.check", code=STATUS_DATABASE_DIFFERS)
    database.query("ALTER EVENT nightly DISABLE")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert "event nightly: status ENABLED in what its revision builds, DISABLED" in status

    reset = inv(project, database, "db.reset", "--yes")
    assert "event sweep" in reset, reset
    assert database.query(COUNT.format(name="sweep")) == [(0,)]
    assert database.query(COUNT.format(name="nightly")) == [(1,)]
    inv(project, database, "db.status")
