"""An upgrade that drops a column a trigger or a routine names (PostgreSQL and MariaDB keep
them) ends with one warning naming each, what fails and the statement that drops it; status
afterwards says it is broken, not only that the database has it in addition."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_status_sides import inv

FIRST, SECOND = "bbbb00000001", "bbbb00000002"
TABLES = """    op.create_table(
        "t",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("c6", sa.Integer),
        sa.Column("c7", sa.Integer),
    )"""
DROP_BOTH = '    op.drop_column("t", "c6")\n    op.drop_column("t", "c7")'
# Each database's statements: a trigger on t setting a column, one naming only t's id, and a
# function reading a column of t (which neither database ties to it).
MADE = {
    "postgresql": {
        "trigger": [
            "CREATE FUNCTION set_{column}() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN NEW.{column} = 0; RETURN NEW; END $$",
            "CREATE TRIGGER {name} BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION set_{column}()",
        ],
        "function": "CREATE FUNCTION first_c6() RETURNS integer LANGUAGE plpgsql AS"
        " $$ BEGIN RETURN (SELECT c6 FROM t LIMIT 1); END $$",
    },
    "mysql": {
        "trigger": ["CREATE TRIGGER {name} BEFORE INSERT ON t FOR EACH ROW SET NEW.{column} = 0"],
        "function": "CREATE FUNCTION first_c6() RETURNS INT READS SQL DATA"
        " RETURN (SELECT c6 FROM t LIMIT 1)",
    },
}
DROP_TRIGGER = {"postgresql": "DROP TRIGGER {name} ON t", "mysql": "DROP TRIGGER {name}"}


def trigger(database: ServerDatabase, name: str, column: str) -> list[str]:
    return [s.format(name=name, column=column) for s in MADE[database.kind]["trigger"]]


@only_on("postgresql", "mysql", why="SQLite refuses the drop, or its batch copy loses triggers")
def test_an_upgrade_that_breaks_triggers_and_functions_names_each_and_status_says_broken(
    project: Project, database: ServerDatabase
) -> None:
    made_by_revision = "\n".join(
        f"    op.execute({statement!r})" for statement in trigger(database, "trev", "c7")
    )
    first_source = revision_source(FIRST, None, f"{TABLES}\n{made_by_revision}")
    project.write_revision(f"{FIRST}_t.py", first_source)
    first = inv(project, database, "db.upgrade")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "warning" not in first.stderr, first.stderr
    for statement in [
        *trigger(database, "thand", "c6"),
        *trigger(database, "tlive", "id"),  # names only what stays: never named
        MADE[database.kind]["function"],
    ]:
        database.query(statement)
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, DROP_BOTH))

    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    warnings = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, upgrade.stderr
    warning = warnings[0]
    assert "ran and are recorded" in warning, warning
    assert "trigger thand on t names NEW.c6, which t no longer has" in warning, warning
    assert "every INSERT on t fails" in warning, warning
    assert "trigger trev on t names NEW.c7" in warning, warning  # its revision's, broken by one
    assert "first_c6" in warning and "t.c6, which the upgrade dropped" in warning, warning
    assert f"`{DROP_TRIGGER[database.kind].format(name='thand')}`" in warning, warning
    assert "`DROP FUNCTION first_c6" in warning, warning
    assert "tlive" not in warning, warning

    # At head, no revision runs: what the last run broke is status's to say, not this run's.
    again = inv(project, database, "db.upgrade")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "warning" not in again.stderr, again.stderr

    status = inv(project, database, "db.status")
    broken = [line for line in status.stdout.splitlines() if line.startswith("broken:")]
    assert any(
        "trigger thand on t names NEW.c6, which t no longer has: every INSERT on t fails" in line
        for line in broken
    ), status.stdout
    assert any("trigger trev on t names NEW.c7" in line for line in broken), status.stdout
    assert not any("tlive" in line for line in broken), status.stdout
    verdict = status.stdout.splitlines()[-1]
    assert "and broken, failing when they fire: " in verdict, verdict
    # The function too, as the upgrade's warning named it (inspection/_broken_now.py).
    assert "first_c6" in verdict.split("and broken", 1)[1], verdict
    assert "trigger thand on t" in verdict.split("and broken", 1)[1], verdict


def test_only_a_row_s_missing_column_or_what_the_run_dropped_is_named() -> None:
    from alembic_steward.inspection._broken_routines import Body, broken_routines, dropped_between

    before = {(None, "t"): {"id", "c6"}, (None, "log"): {"n"}, (None, "u"): {"c6"}}
    after = {(None, "t"): {"id"}, (None, "u"): {"c6"}}
    bodies = [
        # Its own row's columns, however written: all there.
        Body("trigger", None, "t", "tok", "INSERT", 'SET NEW.id = OLD."ID" + new . id'),
        # c6 of u, which stays, and the word log that is no table read: nothing gone.
        Body("function", None, "", "f()", "", "SELECT c6, log(2) FROM u"),
        Body("function", None, "", "g()", "", "INSERT INTO log VALUES (1)"),
        Body("trigger", None, "u", "tu", "UPDATE", "UPDATE t SET c6 = NEW.c6"),
        # A view's trigger: its columns are not listed, so its row is not read.
        Body("trigger", None, "v", "tv", "INSERT", "SET NEW.gone = 1"),
    ]
    found = broken_routines("postgresql", bodies, after, dropped_between(before, after))
    assert [item.line for item in found] == [
        "function g() names table log, which the upgrade dropped: every call of it fails",
        "trigger tu on u names t.c6, which the upgrade dropped: every UPDATE on u fails",
    ]
    assert [item.drop for item in found] == ["DROP FUNCTION g()", "DROP TRIGGER tu ON u"]


def test_comments_and_string_literals_name_nothing() -> None:
    from alembic_steward.inspection._broken_routines import Body, broken_routines, dropped_between

    before = {(None, "users"): {"id", "email", "city"}}
    after = {(None, "users"): {"id", "email"}}
    bodies = [
        Body(
            "trigger",
            None,
            "users",
            "trig_cmt",
            "INSERT",
            "BEGIN\n  -- NEW.city used to be set here\n  raise notice 'NEW.city is gone';"
            " /* OLD.city too */ RETURN NEW; END",
        ),
        Body("function", None, "", "f_str()", "", "BEGIN RETURN 'select city from users'; END"),
        Body("function", None, "", "f_esc()", "", "BEGIN RETURN E'it\\'s city from users'; END"),
    ]
    dropped = dropped_between(before, after)
    assert broken_routines("postgresql", bodies, after, dropped) == []
    # MariaDB: "..." is a string too, a backticked name is a name.
    mariadb = [
        Body("trigger", None, "users", "t_str", "INSERT", 'SET @x = "NEW.city" # NEW.city'),
        Body("trigger", None, "users", "t_ident", "INSERT", "SET NEW.`city` = 'x'"),
    ]
    found = broken_routines("mysql", mariadb, after, dropped)
    assert [item.line.split(":")[0] for item in found] == [
        "trigger t_ident on users names NEW.city, which users no longer has"
    ]


def test_a_string_in_a_sqlite_trigger_is_no_dependency() -> None:
    from alembic_steward.catalog import Catalog
    from alembic_steward.inspection._hand_made_dependents import hand_made_dependents

    table = {"type": "INTEGER"}
    built = Catalog("sqlite", {("column", None, "users", "legacy"): table})
    head = Catalog("sqlite", {})
    live = Catalog(
        "sqlite",
        {
            ("column", None, "users", "legacy"): table,
            ("trigger", None, "users", "trig_other"): {
                "timing": "AFTER INSERT",
                "definition": "BEGIN select 1 where 'legacy'='legacy'; END",
            },
            ("view", None, "", "vreal"): {"definition": "SELECT legacy FROM users -- it's"},
        },
    )
    lines = [dependent.line for dependent in hand_made_dependents(built, live, head)]
    # Not that it names users.legacy: that batch mode's copy of users loses it.
    assert lines == [
        "trigger users.trig_other is on table users, which the pending migrations rebuild"
        " (SQLite's batch mode copies a table without its triggers)",
        "view vreal reads users.legacy, which the pending migrations drop",
    ], lines


def test_a_trigger_on_update_of_a_column_fails_on_that_update_only() -> None:
    from alembic_steward.catalog import Catalog
    from alembic_steward.inspection._broken_routines import Body, broken_in_catalog, broken_routines

    columns = {(None, "users"): {"id", "email"}}
    body = Body("trigger", None, "users", "t_upd", "INSERT OR UPDATE OF email", "NEW.city")
    (found,) = broken_routines("postgresql", [body], columns)
    assert found.line.endswith("every INSERT or UPDATE OF email on users fails"), found.line
    catalog = Catalog(
        "postgresql",
        {
            ("column", None, "users", "id"): {},
            ("column", None, "users", "email"): {},
            ("trigger", None, "users", "t_upd"): {
                "timing": "AFTER UPDATE OF email",
                "function": "BEGIN NEW.city := 1; RETURN NEW; END",
            },
        },
    )
    (found,) = broken_in_catalog(catalog)
    assert found.line.endswith("every UPDATE OF email on users fails"), found.line


def test_after_an_upgrade_only_what_the_run_dropped_is_named() -> None:
    from alembic_steward.inspection._broken_routines import Body, broken_routines, dropped_between

    # NEW.city was gone before the run, which dropped c6: only c6 is the run's doing.
    before = {(None, "users"): {"id", "c6"}}
    after = {(None, "users"): {"id"}}
    bodies = [
        Body("trigger", None, "users", "t_old", "INSERT", "SET NEW.city = 1"),
        Body("trigger", None, "users", "t_new", "INSERT", "SET NEW.c6 = 1, NEW.city = 1"),
    ]
    found = broken_routines("postgresql", bodies, after, dropped_between(before, after))
    assert [item.line.split(":")[0] for item in found] == [
        "trigger t_new on users names NEW.c6, which users no longer has"
    ]
    # A run that dropped nothing (none ran, or none dropped): nothing is the run's doing.
    assert broken_routines("postgresql", bodies, after, dropped_between(after, after)) == []


def test_code_of_blanks_comments_and_strings_and_keeps_names() -> None:
    from alembic_steward.inspection._sql_code import code_of

    def words(text: str, dialect: str) -> list[str]:
        return code_of(text, dialect).split()

    # A quote inside a comment, `--` inside a string, a doubled quote: each read as part of it.
    assert words("a /* it's */ b -- x'\n'--y''z' \"C'x\" c", "postgresql") == [
        "a",
        "b",
        '"C\'x"',
        "c",
    ]
    # Dollar quotes enclose code: they go, what they enclose stays.
    assert words("$$ BEGIN RETURN 'x'; END $$", "postgresql") == ["BEGIN", "RETURN", ";", "END"]
    # MariaDB: backslash escapes, `#` comments, `/*! ... */` runs; `--x` is no comment.
    assert words("'a\\'b' `c` /*!50001 d */ #e\n--f", "mysql") == [
        "`c`",
        "/*!50001",
        "d",
        "*/",
        "--f",
    ]
    assert words("[legacy] 'legacy' \"legacy\"", "sqlite") == ["[legacy]", '"legacy"']


def test_the_subject_of_every_broken_line_shape_is_the_object_alone() -> None:
    # Advice names each object by this: a line it did not cut was said twice over
    # (`for trigger tg on items cannot be prepared (...): every INSERT ...: for trigger ...`).
    from alembic_steward.inspection._broken_advice import subject_of_line

    lines = {
        "trigger tg on items names NEW.c7, which items no longer has": "trigger tg on items",
        "view v6 can no longer be read (no such table)": "view v6",
        "trigger tg on items cannot be prepared (no such column: qty, SQLite says): every"
        " INSERT on items fails": "trigger tg on items",
    }
    for line, subject in lines.items():
        assert subject_of_line(line) == subject, line
