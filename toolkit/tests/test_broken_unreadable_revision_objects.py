"""Objects a revision made that a later revision breaks stay the revisions' own, however the
database shows them: on MariaDB a view whose column is gone cannot be read back at all, and on
PostgreSQL a broken trigger function fixed by hand is read from the database, never advised
back to the body its revision wrote."""

from __future__ import annotations

import re

from project import Project, created_revision, revision_source
from servers import ServerDatabase, only_on
from test_broken_revision_objects import FIRST, SECOND, THIRD, run_advised, write_made_and_dropping
from test_status_sides import inv

DROP_C6 = '    op.drop_column("t", "c6")'
# Each names t.c6, which SECOND drops: the view can no longer be read, the procedure fails.
MADE = ["CREATE VIEW v6 AS SELECT id, c6 FROM t", "CREATE PROCEDURE p6() SELECT c6 FROM t"]


@only_on("mysql", why="PostgreSQL and SQLite refuse a drop a view names")
def test_a_revision_s_view_a_later_drop_makes_unreadable_is_the_revisions_not_made_by_hand(
    project: Project, database: ServerDatabase
) -> None:
    write_made_and_dropping(project, database, MADE, DROP_C6)
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert "view v6" in warning and "procedure p6" in warning, warning
    assert f"the revisions made them (revision {FIRST})" in warning, warning
    assert "made by hand" not in warning, warning

    status = inv(project, database, "db.status")
    assert status.returncode == 3, status.stdout + status.stderr  # the models lack t: only that
    broken = [line for line in status.stdout.splitlines() if line.startswith("broken:")]
    assert len(broken) == 2 and any("view v6" in line for line in broken), status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert f"the revisions made them (revision {FIRST})" in verdict, verdict
    assert 'op.execute("DROP VIEW IF EXISTS v6")' in verdict, verdict
    assert "made by hand" not in verdict and "`DROP VIEW v6`" not in verdict, verdict
    check = inv(project, database, "db.check")
    assert check.returncode == 3, check.stdout + check.stderr
    assert f"the revisions made them (revision {FIRST})" in check.stdout, check.stdout
    assert "made by hand" not in check.stdout, check.stdout

    run_advised(project, database, verdict)


def test_a_view_made_with_its_algorithm_definer_or_security_is_read_as_made() -> None:
    from alembic_steward.inspection._broken_advice import made_by_revisions
    from alembic_steward.inspection._broken_routines import Broken

    upgrades = {
        "r1": "op.execute('CREATE ALGORITHM=MERGE DEFINER=`u`@`%` SQL SECURITY INVOKER VIEW v1"
        " AS SELECT c6 FROM t')",
        "r2": "op.execute('CREATE OR REPLACE SQL SECURITY DEFINER VIEW `v2` AS SELECT 1')",
        "r3": "op.execute('CREATE OR REPLACE TEMPORARY RECURSIVE VIEW v3 (n) AS SELECT 1')",
    }
    broken = [
        Broken(f"view {name} can no longer be read (x)", "", (), ("view", None, "", name))
        for name in ("v1", "v2", "v3", "v4")
    ]
    made = made_by_revisions(broken, upgrades)
    assert {line.split()[1]: makers for line, makers in made.items()} == {
        "v1": ["r1"],
        "v2": ["r2"],
        "v3": ["r3"],
    }


# The hand fix of the trigger function `trev` runs (test_broken_revision_objects.py): it no
# longer names t.c7, which SECOND dropped.
HAND_FIX = (
    "CREATE OR REPLACE FUNCTION set_c7() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN NEW.c6 = 0; RETURN NEW; END $$"
)
# A statement a new revision's upgrade() is advised to run, as a Python literal.
EXECUTED = re.compile(r"`op\.execute\(((?:\"[^\"]*\")|(?:'(?:[^'\\]|\\.)*'))\)`")


@only_on("postgresql", why="only PostgreSQL's trigger runs a function of its own")
def test_a_broken_trigger_function_fixed_by_hand_is_advised_kept_not_restored_broken(
    project: Project, database: ServerDatabase
) -> None:
    import ast

    write_made_and_dropping(project, database)
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query(HAND_FIX)

    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr  # a hand change, truthfully
    assert "broken:" not in status.stdout, status.stdout  # the database's body is read
    verdict = status.stdout.splitlines()[-1]
    # Never the revision's body back, which names the column t no longer has.
    assert "NEW.c7 = 0" not in verdict, verdict
    assert "undo the hand change" not in verdict, verdict
    assert "function set_c7() was changed by hand" in verdict, verdict
    assert "trigger trev on t names NEW.c7, which t no longer has" in verdict, verdict
    check = inv(project, database, "db.check")
    assert check.returncode == 9, check.stdout + check.stderr
    assert "NEW.c7 = 0`" not in check.stderr and "undo the hand change" not in check.stderr

    # The advised revision keeps the hand fix: the database is then its build.
    statements = [ast.literal_eval(found) for found in EXECUTED.findall(verdict)]
    assert statements and "NEW.c6 = 0" in statements[-1], verdict
    written = inv(project, database, "db.revision", "--empty", "-m", "keep the hand fix")
    assert written.returncode == 0, written.stdout + written.stderr
    _revision, path = created_revision(written.stdout)
    body = "\n".join(f"    op.execute({statement!r})" for statement in statements)
    revision_file = project.path / path
    source = revision_file.read_text()
    upgrade_body = '    """Upgrade schema."""\n    pass'
    assert upgrade_body in source, source
    revision_file.write_text(source.replace(upgrade_body, body, 1))
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0 and "warning" not in upgrade.stderr, upgrade.stderr
    after = inv(project, database, "db.status")
    assert after.returncode == 3, after.stdout + after.stderr  # the models lack t: only that
    assert "against its revision rebuilt: same" in after.stdout, after.stdout
    assert "broken:" not in after.stdout, after.stdout


@only_on("postgresql", why="a PostgreSQL function's definition is compared whole")
def test_a_function_whose_return_type_a_hand_changed_is_dropped_before_it_is_made_again(
    project: Project, database: ServerDatabase
) -> None:
    made = "CREATE FUNCTION f_one() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$"
    project.write_revision(
        f"{FIRST}_f.py", revision_source(FIRST, None, f"    op.execute({made!r})")
    )
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("DROP FUNCTION f_one()")
    database.query("CREATE FUNCTION f_one() RETURNS text LANGUAGE sql AS $$ SELECT 'one' $$")
    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    statements = re.findall(r"`((?:CREATE|DROP) [^`]+)`", verdict)
    assert statements[:2] == ["DROP FUNCTION f_one()", statements[1]], verdict
    assert statements[1].startswith("CREATE OR REPLACE FUNCTION f_one() RETURNS integer")
    for statement in statements:
        database.query(statement)
    after = inv(project, database, "db.status")
    assert "against its revision rebuilt: same" in after.stdout, after.stdout + after.stderr


@only_on("mysql", why="MariaDB's trigger holds its own body")
def test_a_broken_trigger_remade_by_hand_is_advised_kept_not_undone(
    project: Project, database: ServerDatabase
) -> None:
    import ast

    write_made_and_dropping(project, database)
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("DROP TRIGGER trev")
    database.query("CREATE TRIGGER trev BEFORE INSERT ON t FOR EACH ROW SET NEW.c6 = 0")
    verdict = kept_verdict(project, database)
    assert "trigger t.trev was changed by hand" in verdict, verdict
    statements = [ast.literal_eval(found) for found in EXECUTED.findall(verdict)]
    assert statements == [
        "DROP TRIGGER IF EXISTS trev",
        "CREATE TRIGGER trev BEFORE INSERT ON t FOR EACH ROW SET NEW.c6 = 0",
    ], verdict
    kept_in_a_new_revision(project, database, statements)


@only_on("mysql", why="MariaDB keeps a procedure naming a dropped column")
def test_a_broken_procedure_remade_by_hand_is_advised_kept_not_undone(
    project: Project, database: ServerDatabase
) -> None:
    write_made_and_dropping(project, database, MADE[1:], DROP_C6)
    assert inv(project, database, "db.upgrade").returncode == 0
    fixed = "CREATE PROCEDURE p6() SELECT id FROM t"
    database.query("DROP PROCEDURE p6")
    database.query(fixed)
    verdict = kept_verdict(project, database)
    assert "procedure p6 was changed by hand" in verdict, verdict
    assert "`SHOW CREATE PROCEDURE p6`" in verdict, verdict
    statements = ["DROP PROCEDURE IF EXISTS p6", fixed]
    kept_in_a_new_revision(project, database, statements)


@only_on("mysql", why="PostgreSQL and SQLite refuse a drop a view names")
def test_a_broken_view_remade_by_hand_is_advised_kept_not_undone(
    project: Project, database: ServerDatabase
) -> None:
    import ast

    write_made_and_dropping(project, database, MADE[:1], DROP_C6)
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("CREATE OR REPLACE VIEW v6 AS SELECT id FROM t")
    verdict = kept_verdict(project, database)
    assert "view v6 was changed by hand" in verdict and "names t.c6" in verdict, verdict
    statements = [ast.literal_eval(found) for found in EXECUTED.findall(verdict)]
    assert len(statements) == 1 and statements[0].startswith("CREATE OR REPLACE VIEW v6 AS")
    kept_in_a_new_revision(project, database, statements)


RENAME_C6 = '    op.alter_column("t", "c6", new_column_name="c8", existing_type=sa.Integer())'


@only_on("mysql", why="PostgreSQL renames the view's column with the table's; SQLite too")
def test_a_revision_s_view_a_later_rename_makes_unreadable_is_the_revisions_even_dropped_by_hand(
    project: Project, database: ServerDatabase
) -> None:
    write_made_and_dropping(project, database, MADE[:1], RENAME_C6)
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert "view v6" in warning, warning
    assert f"the revisions made it (revision {FIRST})" in warning, warning
    assert "made by hand" not in warning and "`DROP VIEW v6`" not in warning, warning

    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert f"the revisions made it (revision {FIRST})" in verdict, status.stdout
    assert 'op.execute("DROP VIEW IF EXISTS v6")' in verdict, verdict
    assert "made by hand" not in verdict, verdict

    # The README's hand drop, done anyway: the view is still the revisions' broken one.
    database.query("DROP VIEW v6")
    dropped = inv(project, database, "db.status")
    assert dropped.returncode == 9, dropped.stdout + dropped.stderr
    verdict = dropped.stdout.splitlines()[-1]
    assert "db.stamp" not in verdict and "undo the hand change" not in verdict, verdict
    assert "it lacks only what its revisions build broken (view v6" in verdict, verdict

    run_advised(project, database, verdict)


def kept_verdict(project: Project, database: ServerDatabase) -> str:
    """Status's verdict on a hand fix of what the revisions build broken: exit 9, no `broken:`
    line (the database's version works), and never the undo that would break it again."""
    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr
    assert "broken:" not in status.stdout, status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert "undo the hand change" not in verdict, verdict
    return verdict


def kept_in_a_new_revision(project: Project, database: ServerDatabase, statements: list) -> None:
    """Follow the advice: a new revision running ``statements``; its upgrade warns of nothing,
    and the database is then what its revision builds."""
    body = "\n".join(f"    op.execute({statement!r})" for statement in statements)
    project.write_revision(f"{THIRD}_keep.py", revision_source(THIRD, SECOND, body))
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0 and "warning" not in upgrade.stderr, upgrade.stderr
    after = inv(project, database, "db.status")
    assert "against its revision rebuilt: same" in after.stdout, after.stdout


@only_on("mysql", why="MariaDB keeps a view whose column a later revision drops")
def test_the_advised_remake_of_a_broken_view_drops_it_first_and_builds_anew(
    project: Project, database: ServerDatabase
) -> None:
    # t47 N1: "or makes it again without what is gone", written as a CREATE VIEW alone, failed
    # on every new database, where the revisions before it had made the view already.
    write_made_and_dropping(project, database, MADE[:1], DROP_C6)
    upgrade = inv(project, database, "db.upgrade")
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert 'runs `op.execute("DROP VIEW IF EXISTS v6")`, or runs those and then makes it' in (
        warning
    ), warning
    remake = ["DROP VIEW IF EXISTS v6", "CREATE VIEW v6 AS SELECT id FROM t"]
    body = "\n".join(f"    op.execute({statement!r})" for statement in remake)
    project.write_revision(f"{THIRD}_remake.py", revision_source(THIRD, SECOND, body))
    assert inv(project, database, "db.upgrade").returncode == 0
    assert database.query("SELECT * FROM v6") == []
    # A new database (db.check's scratch build from base) runs all three as well.
    check = inv(project, database, "db.check")
    assert check.returncode == 3, check.stdout + check.stderr  # the models lack t: only that
    assert "against its revision rebuilt: same" in inv(project, database, "db.status").stdout
