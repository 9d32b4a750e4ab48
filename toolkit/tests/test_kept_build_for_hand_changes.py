"""`inv db.status` and `inv db.check` on a database changed by hand, its models matching its
revision, compare it with the kept description of that revision's build (inspection/
_kept_builds.py): they built a scratch database again on every run, only to describe it again.
"""

from __future__ import annotations

from failures import write_revision
from made_revisions import write_start
from project import Project
from servers import ServerDatabase, only_on
from test_drift_detection import KEPT, inv, set_models

# Says so when it runs in a scratch database (named so), and changes nothing anywhere.
SAYS_IT_IS_BUILT = """\
    import os

    if "scratch" in os.path.basename(op.get_bind().engine.url.database):
        print("built in a scratch database", flush=True)"""
SAID = "built in a scratch database"
# The exit of status and check for a database that differs from what its revision builds.
DIFFERS_FROM_ITS_REVISION = 9


@only_on("sqlite", "postgresql", why="the kept build is keyed alike on every database")
def test_a_hand_change_is_told_again_without_building_its_revision_again(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, KEPT)
    write_start(project, "kept")
    write_revision(project, "said", "0000start", SAYS_IT_IS_BUILT)
    inv(project, database, "db.upgrade")
    database.query("ALTER TABLE kept ADD COLUMN nickname VARCHAR(20)")

    first = inv(project, database, "db.status", code=DIFFERS_FROM_ITS_REVISION)
    assert SAID in first and "nickname" in first, first
    again = inv(project, database, "db.status", code=DIFFERS_FROM_ITS_REVISION)
    assert SAID not in again, again
    assert again == first.replace(f"{SAID}\n", ""), (first, again)
    checked = inv(project, database, "db.check", code=DIFFERS_FROM_ITS_REVISION)
    assert SAID not in checked and "nickname" in checked, checked
