"""A trigger whose body writes or reads a column of another table, in any clause (`UPDATE items
SET qty = 1`, `INSERT INTO items (qty)`, `WHERE qty`, `SELECT qty FROM items`), is broken
once a revision drops that column: status and check name it on every database (SQLite is
asked itself: a trigger naming a missing column fails as it is prepared), and the upgrade that
dropped it says so."""

from __future__ import annotations

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_status_sides import inv

FIRST, SECOND = "bbbe00000001", "bbbe00000002"
TABLES = """    op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "items", sa.Column("id", sa.Integer, primary_key=True), sa.Column("qty", sa.Integer)
    )"""
BODIES = {
    "update set": "UPDATE items SET qty = 1",
    "insert columns": "INSERT INTO items (id, qty) VALUES (NEW.id, 1)",
    "where": "DELETE FROM items WHERE qty = 0",
    "select": "UPDATE items SET id = id WHERE id = (SELECT max(qty) FROM items)",
}
TRIGGER = {
    "sqlite": ["CREATE TRIGGER tw AFTER INSERT ON orders BEGIN {body}; END"],
    "mysql": ["CREATE TRIGGER tw AFTER INSERT ON orders FOR EACH ROW {body}"],
    "postgresql": [
        "CREATE FUNCTION fw() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN {body}; RETURN NEW; END $$",
        "CREATE TRIGGER tw AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION fw()",
    ],
}


@pytest.mark.parametrize("body", BODIES)
def test_a_trigger_naming_a_dropped_column_of_another_table_is_broken(
    project: Project, database: ServerDatabase, body: str
) -> None:
    statements = [s.format(body=BODIES[body]) for s in TRIGGER[database.kind]]
    made = "\n".join(f"    op.execute({statement!r})" for statement in statements)
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, f"{TABLES}\n{made}"))
    dropping = revision_source(SECOND, FIRST, '    op.drop_column("items", "qty")')
    project.write_revision(f"{SECOND}_drop.py", dropping)
    upgrade = inv(project, database, "db.upgrade")
    if database.kind == "sqlite" and body in ("where", "select"):
        # SQLite's DROP COLUMN checks these clauses itself: the drop fails, loudly.
        assert "error in trigger tw after drop column: no such column: qty" in upgrade.stderr
        return
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "objects that fail: trigger tw on orders" in upgrade.stderr, upgrade.stderr
    # It does fail when it fires.
    with pytest.raises(Exception, match="qty"):
        database.query("INSERT INTO orders (id) VALUES (1)")

    status = inv(project, database, "db.status")
    broken = [line for line in status.stdout.splitlines() if line.startswith("broken:")]
    assert len(broken) == 1 and "trigger tw on orders" in broken[0], status.stdout
    assert "every INSERT on orders fails" in broken[0], broken
    check = inv(project, database, "db.check")
    assert broken[0] in check.stdout.splitlines(), check.stdout + check.stderr


def test_sqlite_is_asked_one_trigger_at_a_time_and_a_table_it_could_not_copy_blames_none() -> None:
    from alembic_steward.inspection._sqlite_trigger_failures import trigger_failures

    rows = [
        ("table", "orders", "orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY)"),
        ("table", "items", "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, x INT)"),
        ("table", "v", "v", "CREATE VIRTUAL TABLE v USING no_such_module (a)"),
        ("trigger", "tw", "orders", TRIGGER["sqlite"][0].format(body=BODIES["update set"])),
        (
            "trigger",
            "tfine",
            "orders",
            "CREATE TRIGGER tfine AFTER INSERT ON orders BEGIN UPDATE items SET x = 1; END",
        ),
        (
            "trigger",
            "tv",
            "orders",
            "CREATE TRIGGER tv AFTER INSERT ON orders BEGIN INSERT INTO v (a) VALUES (1); END",
        ),
        (
            "trigger",
            "tof",
            "items",
            "CREATE TRIGGER tof AFTER UPDATE OF x ON items BEGIN SELECT NEW.y; END",
        ),
    ]
    assert trigger_failures(rows) == {
        ("orders", "tw"): "no such column: qty",
        ("items", "tof"): "no such column: NEW.y",
    }


# Triggers made by hand on orders naming its column c9, which it never had (SQLite makes a
# trigger whatever it names), each in another clause.
OWN_COLUMN = {
    "reads": "BEFORE INSERT ON orders BEGIN SELECT NEW.c9; END",
    "writes": "AFTER INSERT ON orders BEGIN UPDATE orders SET c9 = 1; END",
    "when": "BEFORE INSERT ON orders WHEN NEW.c9 > 0 BEGIN SELECT 1; END",
    "nested select": "BEFORE INSERT ON orders BEGIN SELECT (SELECT NEW.c9 + max(c9) FROM orders);"
    " END",
}


@only_on("sqlite", why="SQLite makes a trigger whatever its body names; the others refuse it")
def test_sqlite_s_own_words_alone_name_a_trigger_missing_its_table_s_column(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLES))
    assert inv(project, database, "db.upgrade").returncode == 0
    for number, clause in enumerate(OWN_COLUMN.values()):
        database.query(f"CREATE TRIGGER t{number} {clause}")
    # An UPDATE OF a column orders lacks: nothing can fire it, so nothing fails.
    database.query("CREATE TRIGGER tof AFTER UPDATE OF c9 ON orders BEGIN SELECT NEW.c9; END")

    status = inv(project, database, "db.status")
    broken = [line for line in status.stdout.splitlines() if line.startswith("broken:")]
    # One line each, SQLite's (as the upgrade's warning), not a second reading's of NEW.c9.
    assert broken == [
        f"broken:  trigger t{number} on orders cannot be prepared (no such column: {column},"
        " SQLite says): every INSERT on orders fails"
        for number, column in enumerate(["NEW.c9", "c9", "NEW.c9", "NEW.c9"])
    ], status.stdout
