"""`db.status --json` lists each unfinished backfill as fields a script can read (name,
revision, state, rows done and pending), with its sentence kept as ``text``: it was a list of
sentences alone."""

from __future__ import annotations

import json

from backfill_histories import ROWS, history_with_backfill
from project import Project
from servers import ServerDatabase, only_on
from test_drift_detection import inv


@only_on("sqlite", why="the fields come from the same reads on every database")
def test_status_json_gives_each_unfinished_backfill_its_fields(
    project: Project, database: ServerDatabase
) -> None:
    history_with_backfill(project, database)
    status = project.inv("db.status", "--json", env={"DATABASE_URL": database.url})
    document = json.loads(status.stdout)
    assert document["unfinished_backfills"] == [
        {
            "name": "users_lower",
            "revision": "bf0001",
            "state": "not started",
            "done": 0,
            "pending": ROWS,
            "text": f"backfill users_lower (revision bf0001): not started, {ROWS} rows pending",
            "pending_capped": False,
        }
    ]
    # The table keeps the sentence.
    shown = inv(project, database, "db.status")
    assert f"backfill: users_lower (revision bf0001): not started, {ROWS} rows pending" in shown
