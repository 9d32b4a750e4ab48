"""Status and check name every kind of broken object the upgrade's look names (a function, a
procedure, an event, an unreadable view; not only a trigger), read by the same reader; and a
PostgreSQL function dropped or edited by hand is given back by statements that run, in order:
the function's CREATE before its trigger's."""

from __future__ import annotations

import re

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_broken_revision_objects import (
    FIRST,
    SECOND,
    run_advised,
    write_made_and_dropping,
)
from test_broken_routines import MADE, TABLES
from test_status_sides import inv

DROP_C6 = '    op.drop_column("t", "c6")'
# Made by hand: each reads t.c6, which SECOND drops.
BY_HAND = {
    "postgresql": [
        MADE["postgresql"]["function"],
        "CREATE PROCEDURE p6() LANGUAGE plpgsql AS $$ BEGIN PERFORM c6 FROM t; END $$",
    ],
    "mysql": [
        MADE["mysql"]["function"],
        "CREATE PROCEDURE p6() SELECT c6 FROM t",
        "CREATE VIEW v6 AS SELECT id, c6 FROM t",
        "CREATE EVENT ev6 ON SCHEDULE EVERY 1 DAY DO UPDATE t SET c6 = 1",
    ],
}
NAMED = {
    "postgresql": ["function first_c6()", "procedure p6()"],
    "mysql": ["function first_c6", "procedure p6", "view v6", "event ev6"],
}
# A trigger function whose body has a line comment: flattened to one line, it swallowed the rest.
COMMENTED = (
    "CREATE FUNCTION f_comm() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n  -- c6 was set here once; the note  keeps  its spaces\n"
    "  NEW.c7 := length('a  b');\n  RETURN NEW;\nEND $$"
)
TRIGGER = "CREATE TRIGGER tcomm BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f_comm()"
RESTORING = re.compile(r"`((?:CREATE|ALTER) [^`]+)`")


@only_on("postgresql", "mysql", why="SQLite refuses the drop: nothing is left broken")
def test_status_and_check_name_broken_routines_and_views_not_only_triggers(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLES))
    assert inv(project, database, "db.upgrade").returncode == 0
    for statement in BY_HAND[database.kind]:
        database.query(statement)
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, DROP_C6))
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    for subject in NAMED[database.kind]:
        assert subject in upgrade.stderr, upgrade.stderr

    status = inv(project, database, "db.status")
    broken = [line for line in status.stdout.splitlines() if line.startswith("broken:")]
    for subject in NAMED[database.kind]:
        assert any(subject in line for line in broken), status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert "and broken, failing when they fire" in verdict, verdict
    check = inv(project, database, "db.check")
    assert check.returncode == status.returncode, check.stdout + check.stderr
    for line in broken:
        assert line in check.stdout.splitlines(), check.stdout

    # The advice, run, leaves nothing broken.
    for statement in re.findall(r"`(DROP [^`]+)`", verdict):
        database.query(statement)
    after = inv(project, database, "db.status")
    assert "broken:" not in after.stdout, after.stdout


@only_on("postgresql", "mysql", why="SQLite has no stored function")
def test_status_names_a_revision_s_broken_function_with_the_new_revision_advice(
    project: Project, database: ServerDatabase
) -> None:
    write_made_and_dropping(project, database, [MADE[database.kind]["function"]], DROP_C6)
    assert inv(project, database, "db.upgrade").returncode == 0
    status = inv(project, database, "db.status")
    assert status.returncode == 3, status.stdout + status.stderr  # the models lack t: only that
    broken = [line for line in status.stdout.splitlines() if line.startswith("broken:")]
    assert len(broken) == 1 and "function first_c6" in broken[0], status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert f"the revisions made it (revision {FIRST})" in verdict, verdict
    run_advised(project, database, verdict)


def restore(project: Project, database: ServerDatabase, status_output: str) -> None:
    """Run the statements status advises, in its order, and see status find the build."""
    statements = RESTORING.findall(status_output.splitlines()[-1])
    assert statements, status_output
    for statement in statements:
        database.query(statement)
    after = inv(project, database, "db.status")
    assert "against its revision rebuilt: same" in after.stdout, after.stdout + after.stderr


@only_on("postgresql", why="only PostgreSQL's trigger runs a function of its own")
def test_a_trigger_function_dropped_by_hand_with_cascade_is_restored_function_first(
    project: Project, database: ServerDatabase
) -> None:
    made = f"{TABLES}\n    op.execute({COMMENTED!r})\n    op.execute({TRIGGER!r})"
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, made))
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("DROP FUNCTION f_comm() CASCADE")
    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "db.stamp" not in verdict, verdict
    statements = RESTORING.findall(verdict)
    assert [s.split(" ", 4)[:4] for s in statements] == [
        ["CREATE", "OR", "REPLACE", "FUNCTION"],
        ["CREATE", "TRIGGER", "tcomm", "BEFORE"],
    ], verdict
    restore(project, database, status.stdout)
    # Its spaces in a string are the revision's, not flattened.
    (source,) = database.query("SELECT prosrc FROM pg_proc WHERE proname = 'f_comm'")
    assert "length('a  b')" in source[0], source


@only_on("postgresql", why="a PostgreSQL function's definition is compared whole")
def test_a_function_edited_by_hand_is_shown_runnable_and_restored(
    project: Project, database: ServerDatabase
) -> None:
    made = f"{TABLES}\n    op.execute({COMMENTED!r})\n    op.execute({TRIGGER!r})"
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, made))
    assert inv(project, database, "db.upgrade").returncode == 0
    edited = COMMENTED.replace("CREATE", "CREATE OR REPLACE", 1)
    database.query(edited.replace("NEW.c7 := length('a  b')", "NEW.c7 := 2"))
    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr
    shown = [line for line in status.stdout.splitlines() if "function f_comm()" in line]
    assert shown, status.stdout
    # The comment no longer runs to the end of the line: the code after it is shown as code.
    assert not any(re.search(r"--[^\n]*NEW\.c7", line) for line in shown), shown
    restore(project, database, status.stdout)


@only_on("postgresql", why="only PostgreSQL's trigger runs a function of its own")
def test_a_hand_made_trigger_a_pending_drop_breaks_is_advised_dropped_with_its_function(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLES))
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query(
        "CREATE FUNCTION f_hand() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN NEW.c6 := 1; RETURN NEW; END $$"
    )
    database.query("CREATE TRIGGER thand BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f_hand()")
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, DROP_C6))
    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    statements = re.findall(r"`(DROP [^`]+)`", verdict)
    assert "DROP FUNCTION f_hand()" in statements, verdict
    for statement in statements:
        database.query(statement)
    after = inv(project, database, "db.status")
    assert after.returncode != 9 and "f_hand" not in after.stdout, after.stdout
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0 and "warning" not in upgrade.stderr, upgrade.stderr
