"""A hand-made object that was in a MySQL/MariaDB database before a run stopped half-way is not
"what the stopped run left": clearing the mark names it as made by hand and clears, and the
stamp that records the revision finished by hand is not refused over it."""

from __future__ import annotations

from pathlib import Path

from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on
from tenant_projects import make_tenant_project, mariadb_tenants  # noqa: F401 - a fixture
from test_finished_by_hand import FIXED, UNDO, stopped_half_way
from test_tenant_repairs import tenants_whose_first_will_stop_half_way

TRIGGER = "CREATE TRIGGER bump BEFORE UPDATE ON notes FOR EACH ROW SET NEW.id = NEW.id"


def stopped_with_a_hand_made_trigger(
    project: Project, database: ServerDatabase
) -> tuple[dict, str]:
    """(the environment, the failed upgrade's last line)."""
    env = stopped_half_way(project, database)
    database.query(TRIGGER)  # made by hand at r1, before the run that stops
    failed = project.inv("db.upgrade", code=1, env=env)
    return env, failed.stderr.strip().splitlines()[-1]


@only_on("mysql", why="only MySQL/MariaDB leave a migration half-applied")
def test_clearing_the_mark_names_a_hand_made_trigger_as_such_and_clears(
    project: Project, database: ServerDatabase
) -> None:
    env, _failed = stopped_with_a_hand_made_trigger(project, database)
    # What r2 left, undone by hand: only the trigger, which r2 never touches, still differs.
    database.query("DROP TABLE tags")
    database.query("UPDATE notes SET id = 1 WHERE id = 2")
    cleared = project.inv("db.clear-migration-mark", env=env).stdout
    assert "Cleared the mark of the run that stopped after revision r1" in cleared, cleared
    assert "unexpected trigger notes.bump" in cleared, cleared
    assert "which r2 does not touch: made by hand, not left by the stopped run" in cleared
    assert "would run r2 into it" not in cleared, cleared
    # The advised way on works: the upgrade reruns r2 (fixed) past the trigger.
    project.write_revision("r2.py", revision_source("r2", "r1", FIXED, UNDO, message="Tags"))
    project.inv("db.upgrade", env=env)
    assert database.revisions() == {"r2"}


@only_on("mysql", why="only MySQL/MariaDB leave a migration half-applied")
def test_the_run_s_own_leftovers_are_named_without_the_hand_made_trigger(
    project: Project, database: ServerDatabase
) -> None:
    env, failed = stopped_with_a_hand_made_trigger(project, database)
    # The failed run's own line already tells the two apart.
    assert "r2 is half-applied: the database is still at r1" in failed, failed
    assert "differs from what r1 builds by: unexpected table tags (" in failed, failed
    assert "unexpected trigger notes.bump, which r2 does not touch: made by hand" in failed
    refused = one_error_line(project.inv("db.clear-migration-mark", code=1, env=env).stderr)
    assert "differs from what r1 builds by: unexpected table tags, so" in refused, refused
    assert "also differs by unexpected trigger notes.bump, which r2 does not touch" in refused
    # Finished by hand: the stamp the line advises records it, the trigger notwithstanding.
    assert "`inv db.stamp -r r2`" in refused, refused
    database.query("ALTER TABLE notes ADD COLUMN body VARCHAR(20)")
    project.write_revision("r2.py", revision_source("r2", "r1", FIXED, UNDO, message="Tags"))
    stamped = project.inv("db.stamp", "-r", "r2", env=env).stdout
    assert "Stamped the database at r2." in stamped, stamped
    assert database.revisions() == {"r2"}


def test_a_tenant_s_hand_made_trigger_does_not_block_clearing_its_mark(
    tmp_path: Path,
    mariadb_tenants,  # noqa: F811 - the fixture imported above
) -> None:
    project, broken, names = tenants_whose_first_will_stop_half_way(tmp_path, mariadb_tenants)
    broken.query("CREATE TRIGGER bump BEFORE UPDATE ON notes FOR EACH ROW SET NEW.id = NEW.id")
    tenant = names[0]
    project.run("inv", "db.upgrade", "--all-tenants", "--json")
    broken.query("RENAME TABLE applied_away TO applied")
    broken.query("DROP INDEX ix_notes_body ON notes")  # what 0002 left, undone
    cleared = project.inv("db.clear-migration-mark", "--tenants", tenant).stdout
    assert f"tenant {tenant}: cleared the mark of the run that stopped" in cleared, cleared
    assert "unexpected trigger notes.bump, which 0002 does not touch" in cleared, cleared
    fixed = project.run("inv", "db.upgrade", "--all-tenants", "--json")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert broken.revisions() == {"0003"}
