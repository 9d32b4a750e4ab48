"""`inv db.lint` and `inv db.revision` warn when a revision drops a column that a trigger,
routine or view an earlier revision made still names, read from the revision files alone."""

from __future__ import annotations

from collections.abc import Sequence

from project import USER_NAME_COLUMN, Project, created_revision, revision_source
from servers import ServerDatabase
from test_status_sides import inv

FIRST, SECOND = "cccd00000001", "cccd00000002"
TABLES = """    op.create_table(
        "t",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("c7", sa.Integer),
    )"""
# A trigger on t setting c7, as each database writes one.
TRIGGER = {
    "sqlite": ["CREATE TRIGGER trev AFTER INSERT ON {table} BEGIN SELECT NEW.{column}; END"],
    "postgresql": [
        "CREATE FUNCTION set_col() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN NEW.{column} = NULL; RETURN NEW; END $$",
        "CREATE TRIGGER trev BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION set_col()",
    ],
    "mysql": ["CREATE TRIGGER trev BEFORE INSERT ON {table} FOR EACH ROW SET NEW.{column} = NULL"],
}
BATCH_DROP = '    with op.batch_alter_table("t") as batch_op:\n        batch_op.drop_column("c7")'


def made(database: ServerDatabase, table: str, column: str) -> str:
    statements = [s.format(table=table, column=column) for s in TRIGGER[database.kind]]
    return "\n".join(f"    op.execute({statement!r})" for statement in statements)


def test_lint_warns_of_a_drop_an_earlier_revision_s_trigger_names(
    project: Project, database: ServerDatabase
) -> None:
    first = f"{TABLES}\n{made(database, 't', 'c7')}"
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, first))
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, BATCH_DROP))
    lint = inv(project, database, "db.lint", "--all")
    warnings = [line for line in lint.stdout.splitlines() if line.startswith("warning:")]
    subject = f"trigger trev (made by revision {FIRST})"
    fix = "drop trev or make it again without c7"
    effect = {
        "sqlite": "SQLite's batch mode recreates table t without trigger trev, silently (made"
        " again as it was, it fails whenever it fires)",
        "postgresql": "the drop leaves trigger trev failing whenever it fires",
        "mysql": "the drop leaves trigger trev failing whenever it fires",
    }[database.kind]
    if database.kind == "postgresql":  # the function's body names NEW.c7 (t46 M1)
        subject = f"function set_col() (run by trigger trev, made by revision {FIRST})"
        fix = "rewrite set_col() without c7 (`CREATE OR REPLACE FUNCTION`), or drop trigger trev"
        fix += " and set_col()"
    assert warnings == [
        f"warning: revision {SECOND} drops column t.c7, which {subject} still names: {effect};"
        f" in {SECOND}, before the drop, {fix}"
    ], lint.stdout
    # Status says it too while the revision is pending.
    status = inv(project, database, "db.status")
    assert status.returncode == 2, status.stdout + status.stderr
    assert warnings[0] in status.stderr.splitlines(), status.stderr


def test_db_revision_warns_when_the_drop_it_wrote_breaks_a_trigger(
    project: Project, database: ServerDatabase
) -> None:
    project.add_user_model()
    project.add_user_name_column()
    first = inv(project, database, "db.revision", "-m", "users")
    assert first.returncode == 0, first.stdout + first.stderr
    written, _path = created_revision(first.stdout)
    hand = revision_source(FIRST, written, made(database, "users", "name"))
    project.write_revision(f"{FIRST}_trigger.py", hand)
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text().replace(USER_NAME_COLUMN, ""))
    revision = inv(project, database, "db.revision", "-m", "drop name")
    # SQLite's batch copy loses the trigger: db.revision then refuses it (its own lines).
    assert revision.returncode == (1 if database.kind == "sqlite" else 0), revision.stderr
    which = "function set_col() (run by trigger trev" if database.kind == "postgresql" else ""
    which = which or "trigger trev (made by revision"
    assert f"drops column users.name, which {which}" in revision.stdout, revision.stdout


def test_a_drop_of_the_object_first_or_a_replacement_without_the_column_says_nothing() -> None:
    from alembic_steward.inspection._revision_column_drops import dropped_names

    def source(body: str) -> str:
        return revision_source("r", None, body)

    view = '    op.execute("CREATE VIEW v AS SELECT c7 FROM t -- c9 here")'
    drops = [
        ("a", source(f"{view}\n    op.execute(sa.text('CREATE VIEW w AS SELECT c9 FROM t'))")),
        # v dropped in the drop's own revision; w made again without c9.
        ("b", source('    op.execute("DROP VIEW v")\n    op.drop_column("t", "c7")')),
        ("c", source('    op.execute("CREATE OR REPLACE VIEW w AS SELECT id FROM t")')),
        (
            "d",
            source(
                '    op.drop_column("t", "c9")\n    op.drop_column(table_name="u", column_name="x")'
            ),
        ),
    ]
    assert dropped_names(drops) == []
    kept = [drops[0], ("b2", source('    op.drop_column("t", "c9")'))]
    (found,) = dropped_names(kept)
    assert (found.revision, found.table, found.column, found.made.name) == ("b2", "t", "c9", "w")


def history_of(made: Sequence[str], drop: str, *later: str) -> list[tuple[str, str]]:
    """r1: table t, then each of ``made`` (SQL); r2: ``drop``; then each of ``later``, a
    revision each: (revision, file text), oldest first."""
    body = "\n".join(f"    op.execute({statement!r})" for statement in made)
    upgrades = [f"{TABLES}\n{body}", drop, *later]
    return [
        (f"r{number}", revision_source(f"r{number}", f"r{number - 1}" if number > 1 else None, up))
        for number, up in enumerate(upgrades, start=1)
    ]


def trigger_history(kind: str, drop: str, *later: str) -> list[tuple[str, str]]:
    """:func:`history_of` with the trigger trev naming t.c7, as ``kind`` writes it."""
    return history_of([s.format(table="t", column="c7") for s in TRIGGER[kind]], drop, *later)


PLAIN_DROP = '    op.drop_column("t", "c7")'


def test_on_postgresql_the_function_a_trigger_runs_is_named_and_advised_rewritten() -> None:
    from alembic_steward.inspection._revision_column_drops import dropped_names

    (found,) = dropped_names(trigger_history("postgresql", PLAIN_DROP), "postgresql")
    assert "which function set_col() (run by trigger trev, made by revision r1)" in found.line
    assert "leaves trigger trev failing whenever it fires" in found.line, found.line
    assert "rewrite set_col() without c7 (`CREATE OR REPLACE FUNCTION`)" in found.line
    assert "the drop then fails" not in found.line, found.line


def test_on_sqlite_a_batch_drop_is_said_to_drop_the_trigger_silently() -> None:
    from alembic_steward.inspection._revision_column_drops import dropped_names

    (found,) = dropped_names(trigger_history("sqlite", BATCH_DROP), "sqlite")
    assert "the drop then fails" not in found.line, found.line
    assert "SQLite's batch mode recreates table t without trigger trev, silently" in found.line


def test_a_later_revision_that_drops_or_remakes_the_trigger_silences_the_warning() -> None:
    from alembic_steward.inspection._revision_column_drops import dropped_names

    drop_trigger = '    op.execute("DROP TRIGGER IF EXISTS trev ON t")'
    drop_function = '    op.execute("DROP FUNCTION IF EXISTS set_col()")'
    remake = (
        '    op.execute("CREATE OR REPLACE FUNCTION set_col() RETURNS trigger LANGUAGE plpgsql'
        ' AS $$ BEGIN RETURN NEW; END $$")'
    )
    for later in ([drop_trigger, drop_function], [remake]):
        history = trigger_history("postgresql", PLAIN_DROP, *later)
        assert dropped_names(history, "postgresql") == [], later
    mysql = trigger_history("mysql", PLAIN_DROP, '    op.execute("DROP TRIGGER trev")')
    assert dropped_names(mysql, "mysql") == []
    # A view: the drop itself fails on PostgreSQL, whatever a later revision does.
    view = "CREATE VIEW v AS SELECT c7 FROM t"
    history = history_of([view], PLAIN_DROP, '    op.execute("DROP VIEW v")')
    (found,) = dropped_names(history, "postgresql")
    assert "the drop then fails" in found.line, found.line


def test_a_later_remake_that_still_names_the_column_keeps_the_warning() -> None:
    from alembic_steward.inspection._revision_column_drops import dropped_names

    same = TRIGGER["postgresql"][0].format(column="c7").replace("CREATE", "CREATE OR REPLACE")
    history = trigger_history("postgresql", PLAIN_DROP, f"    op.execute({same!r})")
    (found,) = dropped_names(history, "postgresql")
    assert found.function == "set_col", found


THIRD = "cccd00000003"
DROP_TREV = {
    "sqlite": "DROP TRIGGER IF EXISTS trev",
    "postgresql": "DROP TRIGGER IF EXISTS trev ON t",
    "mysql": "DROP TRIGGER IF EXISTS trev",
}


def test_lint_all_and_status_stay_quiet_once_a_later_revision_drops_the_trigger(
    project: Project, database: ServerDatabase
) -> None:
    # t46 M6: they kept advising an edit of the (applied) dropping revision.
    first = f"{TABLES}\n{made(database, 't', 'c7')}"
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, first))
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, BATCH_DROP))
    later = f"    op.execute({DROP_TREV[database.kind]!r})"
    project.write_revision(f"{THIRD}_later.py", revision_source(THIRD, SECOND, later))
    lint = inv(project, database, "db.lint", "--all")
    assert "still names" not in lint.stdout, lint.stdout
    status = inv(project, database, "db.status")
    assert status.returncode == 2, status.stdout + status.stderr
    assert "still names" not in status.stderr, status.stderr


def test_a_postgresql_trigger_whose_own_text_names_the_column_makes_the_drop_fail() -> None:
    from alembic_steward.inspection._revision_column_drops import dropped_names

    own = (
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "CREATE TRIGGER tw BEFORE UPDATE OF c7 ON t FOR EACH ROW EXECUTE FUNCTION f()",
    )
    history = history_of(own, PLAIN_DROP, '    op.execute("DROP TRIGGER tw ON t")')
    (found,) = dropped_names(history, "postgresql")
    assert "which trigger tw (made by revision r1) still names: the drop then fails" in found.line


def test_lint_warns_of_a_rename_an_earlier_revision_s_view_or_trigger_names(
    project: Project, database: ServerDatabase
) -> None:
    view = "    op.execute('CREATE VIEW vrev AS SELECT id, c7 FROM t')"
    first = f"{TABLES}\n{made(database, 't', 'c7')}\n{view}"
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, first))
    rename = '    op.alter_column("t", "c7", new_column_name="c8", existing_type=sa.Integer())'
    project.write_revision(f"{SECOND}_rename.py", revision_source(SECOND, FIRST, rename))
    lint = inv(project, database, "db.lint", "--all")
    warnings = [line for line in lint.stdout.splitlines() if line.startswith("warning:")]
    remade = "before the rename and make it again after it, naming c8"
    named = {
        # SQLite's RENAME COLUMN rewrites both; PostgreSQL's view follows the rename, its
        # trigger function's body does not: the function is what to make again.
        "sqlite": [],
        "postgresql": [
            (
                f"function set_col() (run by trigger trev, made by revision {FIRST})",
                "after the rename, make set_col() again naming c8 (`CREATE OR REPLACE FUNCTION`)",
            )
        ],
        "mysql": [
            (f"trigger trev (made by revision {FIRST})", f"drop trev {remade}"),
            (f"view vrev (made by revision {FIRST})", f"drop vrev {remade}"),
        ],
    }[database.kind]
    assert len(warnings) == len(named), lint.stdout
    for warning, (subject, fix) in zip(sorted(warnings), named, strict=True):
        assert (
            f"warning: revision {SECOND} renames column t.c7 to c8, which {subject} still names:"
            " it then fails whenever it runs"
        ) in warning, warning
        assert fix in warning, warning


def test_a_rename_counts_as_a_drop_of_the_old_name() -> None:
    from alembic_steward.inspection._revision_column_drops import dropped_names

    def source(body: str) -> str:
        return revision_source("r", None, body)

    batch = (
        '    with op.batch_alter_table("t") as batch_op:\n'
        '        batch_op.alter_column("c7", new_column_name="c8")'
    )
    history = [
        ("a", source('    op.execute("CREATE VIEW v AS SELECT c7 FROM t")')),
        ("b", source('    op.alter_column("t", "c7", nullable=True)')),  # no rename: nothing
        ("c", source(batch)),
    ]
    (found,) = dropped_names(history, "mysql")
    assert (found.revision, found.column, found.renamed_to) == ("c", "c7", "c8")
    assert dropped_names(history, "postgresql") == []  # its view follows the rename


def test_on_postgresql_a_rename_names_the_function_a_trigger_runs_and_no_mariadb_view() -> None:
    # t47 N4: it named the trigger, advised making the trigger again (its function still read
    # NEW.c7: every INSERT failed) and spoke of "a MariaDB view".
    from alembic_steward.inspection._revision_column_drops import dropped_names

    rename = '    op.alter_column("t", "c7", new_column_name="c8")'
    (found,) = dropped_names(trigger_history("postgresql", rename), "postgresql")
    assert "which function set_col() (run by trigger trev, made by revision r1)" in found.line
    assert "make set_col() again naming c8 (`CREATE OR REPLACE FUNCTION`)" in found.line
    assert "MariaDB" not in found.line, found.line
