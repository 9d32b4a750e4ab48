"""A view that can no longer be read is a broken object on SQLite too: SQLite's DROP TABLE and
batch copies keep a view over what they take away, and every read of it fails (`no such
table: main.t9`). SQLite is asked to prepare each view, as it is asked of each trigger
(inspection/_sqlite_trigger_failures.py): the upgrade's warning, status, check and --json
name it, advised by who made it, and a later revision failing in it is blamed on it."""

from __future__ import annotations

import json

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_broken_revision_objects import ADVISED, run_advised
from test_status_sides import inv

FIRST, SECOND, THIRD = "bbbc00000001", "bbbc00000002", "bbbc00000003"
T9 = """    op.execute("CREATE TABLE t9 (id INTEGER PRIMARY KEY)")
    op.execute("CREATE VIEW v9 AS SELECT id FROM t9")"""


def broken_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("broken:")]


@only_on("sqlite", "mysql", why="PostgreSQL refuses the drop of a table a view reads")
def test_a_revision_s_view_over_a_table_a_later_revision_drops_is_broken(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, T9))
    project.write_revision(
        f"{SECOND}_drop.py", revision_source(SECOND, FIRST, '    op.drop_table("t9")')
    )
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert "objects that fail: view v9 can no longer be read (" in warning, warning
    assert f"the revisions made it (revision {FIRST})" in warning, warning
    with pytest.raises(Exception, match="t9|invalid table"):
        database.query("SELECT * FROM v9")

    status = inv(project, database, "db.status")
    (broken,) = broken_lines(status.stdout)
    assert broken.startswith("broken:  view v9 can no longer be read ("), status.stdout
    assert status.returncode == 16, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert 'op.execute("DROP VIEW IF EXISTS v9")' in verdict, verdict
    as_json = json.loads(inv(project, database, "db.status", "--json").stdout)
    assert [line.startswith("view v9") for line in as_json["broken"]] == [True], as_json
    check = inv(project, database, "db.check")
    assert check.returncode == 16, check.stdout + check.stderr
    assert broken in check.stdout.splitlines(), check.stdout

    run_advised(project, database, verdict, models_drift=False)


@only_on("sqlite", why="SQLite makes a view whatever it reads; the others refuse it")
def test_a_hand_made_view_sqlite_cannot_prepare_is_broken_and_advised_dropped(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, T9))
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("CREATE VIEW vgone AS SELECT id FROM nowhere")
    database.query("CREATE VIEW vcol AS SELECT id, c8 FROM t9")
    status = inv(project, database, "db.status")
    assert broken_lines(status.stdout) == [
        "broken:  view vcol can no longer be read (no such column: c8)",
        "broken:  view vgone can no longer be read (no such table: main.nowhere)",
    ], status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert "by hand" in verdict and "vgone" in verdict, verdict
    database.query("DROP VIEW vgone")
    database.query("DROP VIEW vcol")
    status = inv(project, database, "db.status")
    # The models lack t9: only that is left.
    assert status.returncode == 3 and not broken_lines(status.stdout), status.stdout
    assert "view v" not in status.stdout, status.stdout


@only_on("sqlite", why="SQLite checks every view when a table is renamed")
def test_a_pending_revision_failing_in_a_view_broken_before_it_blames_the_view(
    project: Project, database: ServerDatabase
) -> None:
    made = """    op.execute("CREATE TABLE log (id INTEGER PRIMARY KEY)")
    op.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    op.execute("CREATE VIEW v_log AS SELECT id FROM log")"""
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, made))
    dropping = revision_source(SECOND, FIRST, '    op.drop_table("log")')
    project.write_revision(f"{SECOND}_drop.py", dropping)
    assert inv(project, database, "db.upgrade").returncode == 0
    renaming = revision_source(THIRD, SECOND, '    op.rename_table("t", "t2")')
    project.write_revision(f"{THIRD}_rename.py", renaming)

    status = inv(project, database, "db.status")
    assert status.returncode == 2, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "error in view v_log: no such table: main.log" in verdict, verdict
    assert (
        "view v_log failed before the pending revisions (view v_log can no longer be read (no"
        " such table: main.log))" in verdict
    ), verdict
    assert "fix that revision's file" not in verdict, verdict
    upgrade = inv(project, database, "db.upgrade")
    assert "error in view v_log: no such table: main.log" in upgrade.stderr, upgrade.stderr

    # As advised: the failing revision, not run here, drops it first.
    (drop,) = ADVISED.findall(verdict)
    assert drop == "DROP VIEW IF EXISTS v_log", verdict
    body = f'    op.execute("{drop}")\n    op.rename_table("t", "t2")'
    project.write_revision(f"{THIRD}_rename.py", revision_source(THIRD, SECOND, body))
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "warning" not in upgrade.stderr, upgrade.stderr
    status = inv(project, database, "db.status")
    assert "broken:" not in status.stdout and "v_log" not in status.stdout, status.stdout


@only_on("sqlite", why="SQLite's DROP TABLE keeps a view over the table")
def test_a_hand_made_view_over_a_table_a_revision_drops_is_named_by_the_upgrade(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, T9))
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("CREATE VIEW vhand AS SELECT id FROM t9")
    project.write_revision(
        f"{SECOND}_drop.py", revision_source(SECOND, FIRST, '    op.drop_table("t9")')
    )
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert "view vhand can no longer be read (no such table: main.t9)" in warning, warning
    assert "drop it (`DROP VIEW vhand`)" in warning, warning
    assert "view v9 can no longer be read" in warning, warning  # the revisions' own, too
    status = inv(project, database, "db.status")
    assert len(broken_lines(status.stdout)) == 2, status.stdout
    database.query("DROP VIEW vhand")
    status = inv(project, database, "db.status")
    assert broken_lines(status.stdout) == [
        "broken:  view v9 can no longer be read (no such table: main.t9)"
    ], status.stdout
