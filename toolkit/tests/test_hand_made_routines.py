"""Stored functions (PostgreSQL functions, MariaDB stored routines) are read from the catalog:
one a revision builds with op.execute is no drift, one made by hand is the database's
difference, named in one line, and `inv db.reset` drops it (issue 19)."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_catalog_truth import ITEMS, STATUS_DATABASE_DIFFERS, TRIGGERS, start_with
from test_drift_detection import inv, models_match_test

# A function as a revision (op.execute) or a hand would make it on each database.
FUNCTIONS = {
    "postgresql": "CREATE FUNCTION {name}(qty integer) RETURNS integer LANGUAGE sql IMMUTABLE"
    " AS $$ SELECT qty * 2 $$",
    "mysql": "CREATE FUNCTION {name}(qty INT) RETURNS INT DETERMINISTIC RETURN qty * 2",
}
# How each database names a function: PostgreSQL by its argument types too (an overload is
# another function), MariaDB by its name alone.
SUBJECTS = {"postgresql": "{name}(integer)", "mysql": "{name}"}
COUNT = {
    "postgresql": "SELECT count(*) FROM pg_proc WHERE proname = '{name}'",
    "mysql": "SELECT count(*) FROM information_schema.ROUTINES"
    " WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME = '{name}'",
}


@only_on("postgresql", "mysql", why="SQLite stores no functions (an application registers its own)")
def test_a_revision_s_function_is_no_drift_a_hand_made_one_is_named_and_reset_drops_it(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ITEMS)
    head = inv(project, database, "db.heads").split()[0]
    made = FUNCTIONS[database.kind].format(name="doubled")
    drop = "DROP FUNCTION doubled"
    project.write_revision(
        "0001_function.py",
        revision_source(
            "0001function", head, f"    op.execute({made!r})", f"    op.execute({drop!r})"
        ),
    )
    inv(project, database, "db.upgrade")
    assert "No changes" in inv(project, database, "db.check")
    inv(project, database, "db.status")
    assert models_match_test(project, database).returncode == 0

    database.query(FUNCTIONS[database.kind].format(name="tripled"))
    subject = SUBJECTS[database.kind].format(name="tripled")
    line = f"function {subject} is in the database but not in what its revision builds"
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    assert line in status, status
    assert "doubled" not in status, status
    assert line in inv(project, database, "db.check", code=STATUS_DATABASE_DIFFERS)

    reset = inv(project, database, "db.reset")
    assert f"function {subject}" in reset, reset
    assert database.query(COUNT[database.kind].format(name="tripled")) == [(0,)]
    assert database.query(COUNT[database.kind].format(name="doubled")) == [(1,)]
    inv(project, database, "db.status")


@only_on("postgresql", why="only PostgreSQL's triggers run a function of their own")
def test_a_trigger_dropped_by_hand_is_the_only_difference_not_its_function(
    project: Project, database: ServerDatabase
) -> None:
    # A trigger's function is described as a function whether a trigger runs it or not: with
    # the trigger gone by hand, the function still agrees with what its revision builds.
    start_with(project, database, ITEMS)
    head = inv(project, database, "db.heads").split()[0]
    made = [statement.format(name="qty_floor") for statement in TRIGGERS["postgresql"]]
    upgrade = "\n".join(f"    op.execute({statement!r})" for statement in made)
    project.write_revision(
        "0001_trigger.py",
        revision_source("0001trigger", head, upgrade, '    op.execute("SELECT 1")'),
    )
    inv(project, database, "db.upgrade")
    inv(project, database, "db.status")

    database.query("DROP TRIGGER qty_floor ON items")
    status = inv(project, database, "db.status", code=STATUS_DATABASE_DIFFERS)
    line = "trigger items.qty_floor is in what its revision builds but not in the database"
    assert line in status, status
    assert "function qty_floor()" not in status, status
    # Its revision ran (its function is there): an upgrade would refuse to run it again, so
    # the advice is the trigger's own statement, which brings the database back.
    assert "inv db.upgrade" not in status, status
    statement = "CREATE TRIGGER qty_floor BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION"
    assert f"`{statement} qty_floor()` restores it" in status, status
    refused = inv(project, database, "db.revision", "-m", "x", code=STATUS_DATABASE_DIFFERS)
    assert f"`{statement} qty_floor()` restores it" in refused, refused
    assert "inv db.upgrade" not in refused, refused
    database.query(f"{statement} qty_floor()")
    inv(project, database, "db.status")
