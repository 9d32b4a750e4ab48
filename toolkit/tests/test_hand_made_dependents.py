"""Behind head, a hand-made object that reads what the pending revisions change (a view over a
column they drop) is named, not said to be left alone by an upgrade that runs; and an upgrade
that failed here is never followed by the advice that it runs."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_status_sides import inv, status_json

DATABASE_DIFFERS = 9
FIRST, SECOND = "eeee00000001", "eeee00000002"
# No AUTO_INCREMENT on t: rows inserted would move MariaDB's counter, a fact of the table.
T_WITH_C6 = """    op.create_table(
        "t",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("c6", sa.Integer),
    )
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))"""
RUNS = "`inv db.upgrade` runs"


def at_first_with(project: Project, database: ServerDatabase, second_upgrade: str) -> None:
    """The database at FIRST (t with c6, users), with SECOND pending."""
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, T_WITH_C6))
    assert inv(project, database, "db.upgrade").returncode == 0
    project.write_revision(f"{SECOND}_next.py", revision_source(SECOND, FIRST, second_upgrade))


def test_a_view_made_by_hand_over_a_column_a_pending_migration_drops_is_named(
    project: Project, database: ServerDatabase
) -> None:
    at_first_with(project, database, '    op.drop_column("t", "c6")')
    database.query("CREATE VIEW vhand AS SELECT id, c6 FROM t")

    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert RUNS not in verdict, verdict
    assert "view vhand reads t.c6, which the pending migrations drop" in verdict, verdict
    assert "drop it by hand before `inv db.upgrade` (`DROP VIEW vhand`)" in verdict, verdict
    # Made again as it was, it would read the dropped column: the advice says without it.
    assert "if still wanted" not in verdict, verdict
    assert "whose upgrade() makes it again written without t.c6, so the migrations keep it" in (
        verdict
    )

    database.query("DROP VIEW vhand")  # what the advice says
    assert inv(project, database, "db.upgrade").returncode == 0
    database.query("CREATE VIEW vhand AS SELECT id FROM t")


@only_on("postgresql", "mysql", why="their foreign keys and triggers are dropped alone")
def test_each_hand_made_dependent_is_given_the_statement_that_drops_it(
    project: Project, database: ServerDatabase
) -> None:
    if database.kind == "postgresql":
        trigger = [
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS"
            " 'BEGIN NEW.c6 = 0; RETURN NEW; END'",
            "CREATE TRIGGER thand BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch()",
        ]
        drop_trigger, drop_key = "DROP TRIGGER thand ON t", "DROP CONSTRAINT fk_hand"
    else:
        trigger = ["CREATE TRIGGER thand BEFORE INSERT ON t FOR EACH ROW SET NEW.c6 = 0"]
        drop_trigger, drop_key = "DROP TRIGGER thand", "DROP FOREIGN KEY fk_hand"
    verdict = verdict_with_c6_pending_drop(
        project,
        database,
        "ALTER TABLE users ADD COLUMN c6 INTEGER",
        "CREATE UNIQUE INDEX ix_hand ON t (c6)",
        "ALTER TABLE users ADD CONSTRAINT fk_hand FOREIGN KEY (c6) REFERENCES t (c6)",
        *trigger,
    )
    assert f"`{drop_trigger}`" in verdict, verdict
    assert f"`ALTER TABLE users {drop_key}`" in verdict, verdict
    drop_index = "DROP INDEX ix_hand" + (" ON t" if database.kind == "mysql" else "")
    assert f"`{drop_index}`" in verdict, verdict
    database.query(drop_trigger)
    database.query(f"ALTER TABLE users {drop_key}")
    database.query(drop_index)
    assert inv(project, database, "db.upgrade").returncode == 0


def test_a_view_made_by_hand_over_columns_the_pending_migrations_keep_still_lets_it_run(
    project: Project, database: ServerDatabase
) -> None:
    at_first_with(project, database, '    op.add_column("t", sa.Column("c7", sa.Integer))')
    database.query("CREATE VIEW vhand AS SELECT id, c6 FROM t")

    verdict = inv(project, database, "db.status").stdout.splitlines()[-1]
    assert RUNS in verdict, verdict
    assert inv(project, database, "db.upgrade").returncode == 0


def test_a_failed_upgrade_is_not_followed_by_the_advice_that_it_runs(
    project: Project, database: ServerDatabase
) -> None:
    # The pending index fails on the rows alone, which a scratch database lacks.
    unique = '    op.create_index("ix_t_c6", "t", ["c6"], unique=True)'
    at_first_with(project, database, unique)
    database.query("INSERT INTO t (id, c6) VALUES (1, 5)")
    database.query("INSERT INTO t (id, c6) VALUES (2, 5)")
    database.query("ALTER TABLE users ADD COLUMN hand INTEGER")
    assert RUNS in inv(project, database, "db.status").stdout.splitlines()[-1]

    assert inv(project, database, "db.upgrade").returncode != 0
    assert status_json(project, database, DATABASE_DIFFERS)["last_failed_upgrade"]["revision"] == (
        SECOND
    )
    verdict = inv(project, database, "db.status").stdout.splitlines()[-1]
    assert RUNS not in verdict, verdict
    assert f"failed at revision {SECOND}" in verdict, verdict


def verdict_with_c6_pending_drop(project: Project, database: ServerDatabase, *made: str) -> str:
    """The status line of the database at FIRST given the hand-made objects ``made``, with
    SECOND dropping t.c6 pending; checked to exit DATABASE_DIFFERS."""
    at_first_with(project, database, '    op.drop_column("t", "c6")')
    for statement in made:
        database.query(statement)
    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    return status.stdout.splitlines()[-1]


@only_on("sqlite", why="a trigger's body is written in each database's own language")
def test_a_trigger_on_another_table_writing_a_dropped_column_is_named(
    project: Project, database: ServerDatabase
) -> None:
    trigger = "CREATE TRIGGER thand AFTER INSERT ON users BEGIN UPDATE t SET c6 = 0; END"
    verdict = verdict_with_c6_pending_drop(project, database, trigger)
    assert RUNS not in verdict, verdict
    assert "trigger users.thand depends on t.c6, which the pending migrations drop" in verdict
    # SQLite would drop the column all the same, and every insert into users would then fail.
    database.query("DROP TRIGGER thand")
    assert inv(project, database, "db.upgrade").returncode == 0


@only_on("postgresql", why="only PostgreSQL records what a function's SQL body reads")
def test_a_function_reading_a_dropped_column_is_named(
    project: Project, database: ServerDatabase
) -> None:
    function = (
        "CREATE FUNCTION fhand() RETURNS integer LANGUAGE sql"
        " BEGIN ATOMIC SELECT c6 FROM t LIMIT 1; END"
    )
    verdict = verdict_with_c6_pending_drop(project, database, function)
    assert RUNS not in verdict, verdict
    assert "function fhand" in verdict and "t.c6, which the pending migrations drop" in verdict
    assert inv(project, database, "db.upgrade").returncode != 0  # as the advice says
    database.query("DROP FUNCTION fhand")
    assert inv(project, database, "db.upgrade").returncode == 0


def test_objects_in_other_schemas_and_foreign_keys_are_read_too() -> None:
    from alembic_steward.catalog import Catalog
    from alembic_steward.inspection._hand_made_dependents import hand_made_dependents

    built = {
        ("table", None, "", "t"): {},
        ("column", None, "t", "id"): {"type": "integer"},
        ("column", None, "t", "c6"): {"type": "integer"},
        ("table", "audit", "", "log"): {},
    }
    head = {key: facts for key, facts in built.items() if key[3] != "c6"}
    live = {
        **built,
        # A schema is None (the default) or a name: the two must not be compared to sort.
        ("view", "audit", "", "recent"): {"definition": "SELECT id FROM t"},
        ("foreign key", None, "u", "fk_u_t"): {"definition": "FOREIGN KEY(a) REFERENCES t (c6)"},
    }
    found = hand_made_dependents(
        Catalog("postgresql", built), Catalog("postgresql", live), Catalog("postgresql", head)
    )
    assert [dependent.line for dependent in found] == [
        "foreign key u.fk_u_t references t.c6, which the pending migrations drop"
    ]
    assert found[0].drop == "ALTER TABLE u DROP CONSTRAINT fk_u_t"


def test_a_dropped_table_is_named_once_not_again_with_its_columns() -> None:
    from alembic_steward.catalog import Catalog
    from alembic_steward.inspection._hand_made_dependents import hand_made_dependents

    built = {
        ("table", None, "", "z"): {},
        ("column", None, "z", "id"): {"type": "integer"},
        ("table", None, "", "u"): {},
        ("column", None, "u", "a"): {"type": "integer"},
    }
    head = {key: facts for key, facts in built.items() if "z" not in (key[2], key[3])}
    live = {
        **built,
        ("foreign key", None, "u", "fk_u_z"): {"definition": "FOREIGN KEY(a) REFERENCES z (id)"},
    }
    found = hand_made_dependents(
        Catalog("sqlite", built), Catalog("sqlite", live), Catalog("sqlite", head)
    )
    assert [dependent.line for dependent in found] == [
        "foreign key u.fk_u_z references table z, which the pending migrations drop"
    ]
    # SQLite drops a foreign key only by rebuilding its table: no statement is given.
    assert found[0].drop == ""


@only_on("mysql", why="only MariaDB drops a column a view reads, and keeps the view")
def test_an_upgrade_that_leaves_a_view_unreadable_names_it(
    project: Project, database: ServerDatabase
) -> None:
    view = '\n    op.execute("CREATE VIEW vrev AS SELECT id, c6 FROM t")'
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, T_WITH_C6 + view))
    project.write_revision(
        f"{SECOND}_next.py", revision_source(SECOND, FIRST, '    op.drop_column("t", "c6")')
    )
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "view vrev can no longer be read (" in upgrade.stderr, upgrade.stderr
    # Its revision made it: a new revision drops it (tests/test_broken_revision_objects.py).
    assert 'op.execute("DROP VIEW IF EXISTS vrev")' in upgrade.stderr, upgrade.stderr
    database.query("DROP VIEW vrev")
    again = inv(project, database, "db.upgrade")
    assert "can no longer be read" not in again.stderr, again.stderr


POSTS = """    op.create_table(
        "posts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(40)),
    )
    op.create_table("audit", sa.Column("n", sa.Integer))"""
WIDEN_TITLE = """    with op.batch_alter_table("posts") as batch:
        batch.alter_column("title", type_=sa.String(200), existing_type=sa.String(40))"""


@only_on("sqlite", why="only SQLite's batch mode copies a table, leaving its triggers behind")
def test_a_trigger_made_by_hand_on_a_table_a_pending_batch_rebuilds_is_named_before_the_upgrade(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_posts.py", revision_source(FIRST, None, POSTS))
    assert inv(project, database, "db.upgrade").returncode == 0
    project.write_revision(f"{SECOND}_widen.py", revision_source(SECOND, FIRST, WIDEN_TITLE))
    # The trigger names no column the revision changes: only the copy of posts loses it.
    database.query(
        "CREATE TRIGGER posts_audit AFTER INSERT ON posts BEGIN INSERT INTO audit VALUES (1); END"
    )
    database.query("CREATE VIEW vposts AS SELECT id, title FROM posts")

    status = inv(project, database, "db.status")
    assert status.returncode == DATABASE_DIFFERS, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert RUNS not in verdict, verdict
    assert "view vposts reads posts.title" in verdict, verdict
    assert "trigger posts.posts_audit is on table posts, which the pending migrations" in verdict
    assert "drop them by hand before `inv db.upgrade`" in verdict, verdict


@only_on("postgresql", why="a PostgreSQL view follows a column's rename; MariaDB's breaks")
def test_a_view_made_by_hand_over_a_column_a_pending_migration_renames_is_left_to_follow_it(
    project: Project, database: ServerDatabase
) -> None:
    # t47 N6: status said the revision drops t.c6 and to drop the team's view first.
    at_first_with(project, database, '    op.alter_column("t", "c6", new_column_name="c7")')
    database.query("CREATE VIEW vhand AS SELECT id, c6 FROM t")

    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert "which the pending migrations" not in verdict, verdict
    assert "DROP VIEW vhand" not in verdict, verdict
    assert RUNS in verdict, verdict
    assert inv(project, database, "db.upgrade").returncode == 0
    assert database.query("SELECT * FROM vhand") == []  # it reads t.c7 now


@only_on("postgresql", why="a PostgreSQL view follows a table's rename; MariaDB's breaks")
def test_a_view_made_by_hand_over_a_table_a_pending_migration_renames_is_left_to_follow_it(
    project: Project, database: ServerDatabase
) -> None:
    # t49 NEW-S2: status said the revision drops table t and to drop the team's view first.
    at_first_with(project, database, '    op.rename_table("t", "t2")')
    database.query("CREATE VIEW vhand AS SELECT id, c6 FROM t")
    database.query("CREATE FUNCTION fhand() RETURNS bigint LANGUAGE sql AS $$ SELECT 1 FROM t $$")

    status = inv(project, database, "db.status")
    verdict = status.stdout.splitlines()[-1]
    assert "view vhand" not in verdict, verdict
    assert "DROP VIEW vhand" not in verdict, verdict
    # A function's body keeps the old name: it is named still.
    assert "function fhand() depends on table t, which the pending migrations rename" in verdict, (
        verdict
    )
    database.query("DROP FUNCTION fhand()")
    assert inv(project, database, "db.upgrade").returncode == 0
    assert database.query("SELECT * FROM vhand") == []  # it reads t2 now
