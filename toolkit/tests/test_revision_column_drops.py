"""`inv db.lint` and `inv db.revision` warn when a revision drops a column that a trigger,
routine or view an earlier revision made still names, read from the revision files alone."""

from __future__ import annotations

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


def made(database: ServerDatabase, table: str, column: str) -> str:
    statements = [s.format(table=table, column=column) for s in TRIGGER[database.kind]]
    return "\n".join(f"    op.execute({statement!r})" for statement in statements)


def test_lint_warns_of_a_drop_an_earlier_revision_s_trigger_names(
    project: Project, database: ServerDatabase
) -> None:
    first = f"{TABLES}\n{made(database, 't', 'c7')}"
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, first))
    drop = '    with op.batch_alter_table("t") as batch_op:\n        batch_op.drop_column("c7")'
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, drop))
    lint = inv(project, database, "db.lint", "--all")
    warnings = [line for line in lint.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: revision {SECOND} drops column t.c7, which trigger trev (made by revision"
        f" {FIRST}) still names: the drop then fails (SQLite, or a PostgreSQL view) or leaves it"
        " failing whenever it runs (MariaDB, a PostgreSQL function or trigger); in"
        f" {SECOND}, before the drop, drop trev or make it again without c7"
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
    assert "drops column users.name, which trigger trev (made by revision" in revision.stdout


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
    named = {
        # SQLite's RENAME COLUMN rewrites both; PostgreSQL's view follows the rename, its
        # trigger function's body does not.
        "sqlite": [],
        "postgresql": ["trigger trev"],
        "mysql": ["trigger trev", "view vrev"],
    }[database.kind]
    assert len(warnings) == len(named), lint.stdout
    for warning, name in zip(sorted(warnings), named, strict=True):
        assert (
            f"warning: revision {SECOND} renames column t.c7 to c8, which {name} (made by"
            f" revision {FIRST}) still names: it then fails whenever it runs"
        ) in warning, warning
        assert f"drop {name.split()[1]} before the rename and make it again after it" in warning


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
