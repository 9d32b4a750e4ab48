"""SQLite: a batch that drops a column loses a trigger naming that column; the advice to make it
again says to write it without the column (as it was, it fails whenever it fires), and that
advice works."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_status_sides import inv

FIRST, SECOND, THIRD = "ddde00000001", "ddde00000002", "ddde00000003"
MADE = """    op.create_table(
        "t",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("c7", sa.Integer),
    )
    op.create_table("log", sa.Column("n", sa.Integer))
    op.execute(
        "CREATE TRIGGER trev AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.c7); END"
    )"""
DROP = '    with op.batch_alter_table("t") as batch_op:\n        batch_op.drop_column("c7")'
WITHOUT = (
    '    op.execute("CREATE TRIGGER trev AFTER INSERT ON t'
    ' BEGIN INSERT INTO log VALUES (NEW.id); END")'
)


@only_on("sqlite", why="only SQLite's batch mode copies a table without its triggers")
def test_a_lost_trigger_naming_a_dropped_column_is_advised_without_it(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, MADE))
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, DROP))
    lint = inv(project, database, "db.lint", "--all")
    assert "from its CREATE statement written without t.c7, which the block drops" in lint.stdout
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "END')` written without t.c7, which the upgrade removed" in upgrade.stderr, (
        upgrade.stderr
    )

    # The advice, followed: the trigger made again without c7 fires.
    project.write_revision(f"{THIRD}_again.py", revision_source(THIRD, SECOND, WITHOUT))
    again = inv(project, database, "db.upgrade")
    assert again.returncode == 0, again.stdout + again.stderr
    database.query("INSERT INTO t (id) VALUES (5)")
    assert database.query("SELECT n FROM log") == [(5,)]


def test_a_lost_object_s_line_names_what_to_write_without() -> None:
    from alembic_steward.catalog import Catalog
    from alembic_steward.inspection._lost_objects import lost_objects

    trigger = {"definition": "CREATE TRIGGER trev AFTER INSERT ON t BEGIN SELECT NEW.c7; END"}
    before = Catalog(
        "sqlite",
        {
            ("table", None, "", "t"): {},
            ("column", None, "t", "id"): {},
            ("column", None, "t", "c7"): {},
            ("trigger", None, "t", "trev"): trigger,
        },
    )
    after = Catalog("sqlite", {("table", None, "", "t"): {}, ("column", None, "t", "id"): {}})
    (lost,) = lost_objects(before, after, ["CREATE TABLE _alembic_tmp_t (id INTEGER)"])
    assert lost.gone == ("c7",)
    assert "written without t.c7, which the upgrade removed" in lost.line("revision r")
