"""`inv db.schema` and `inv db.baseline` (issue 22): both build in a scratch database and compare
catalog descriptions, on every database."""

from __future__ import annotations

import pytest
from made_revisions import write_start
from project import Project, created_revision, revision_source
from servers import ServerDatabase, only_on
from test_catalog_truth import ITEMS
from test_drift_detection import KEPT, inv, set_models

from alembic_steward.catalog import Catalog
from alembic_steward.inspection._schema_file import SchemaFileError, parse_schema, render_schema

QTY = '    qty: Mapped[int] = mapped_column(server_default=sa.text("0"))\n'
NOTE = "    note: Mapped[str | None] = mapped_column(sa.String(40))\n"
STATUS_PENDING = 2


def schema_file(project: Project, database: ServerDatabase):
    dialect = "mysql" if database.kind == "mysql" else database.kind
    path = project.path / "app" / "migrations" / f"schema.{dialect}.txt"
    return path


def revision(project: Project, database: ServerDatabase, message: str) -> str:
    return created_revision(inv(project, database, "db.revision", "-m", message))[0]


def test_the_schema_file_is_byte_identical_across_runs_and_check_names_a_new_table(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, KEPT)
    write_start(project, "kept", "kept")  # autogenerate's revision, written in: a set-up
    inv(project, database, "db.upgrade")
    # A leftover in the developer's database never reaches the file: it is built from scratch.
    database.query("CREATE TABLE leftover (id INTEGER PRIMARY KEY)")
    assert "Wrote" in inv(project, database, "db.schema")
    path = schema_file(project, database)
    first = path.read_bytes()
    assert b"table kept\n" in first and b"leftover" not in first
    assert "already current" in inv(project, database, "db.schema")
    path.unlink()
    inv(project, database, "db.schema")
    assert path.read_bytes() == first
    assert "is current" in inv(project, database, "db.schema", "--check")

    database.query("DROP TABLE leftover")
    set_models(project, KEPT, ITEMS)
    # `db.revision` rewrites the file from the scratch build it verifies the revision on.
    written = inv(project, database, "db.revision", "-m", "items")
    assert "Updated app/migrations/schema." in written
    assert "is current" in inv(project, database, "db.schema", "--check")
    assert b"table items\n" in path.read_bytes()
    after_items = path.read_bytes()

    head = created_revision(written)[0]
    upgrade = '    op.create_table("extra", sa.Column("id", sa.Integer(), primary_key=True))'
    project.write_revision("by_hand.py", revision_source("byhand1", head, upgrade))
    stale = inv(project, database, "db.schema", "--check", code=1)
    assert "table extra is in the migrations at head but not in" in stale
    assert "the head is now byhand1" in stale
    assert path.read_bytes() == after_items  # --check writes nothing
    inv(project, database, "db.schema")
    assert "is current" in inv(project, database, "db.schema", "--check")


@only_on("sqlite", why="the file handling is the same on every database")
def test_check_refuses_a_missing_or_hand_edited_schema_file(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, KEPT)
    revision(project, database, "kept")
    missing = inv(project, database, "db.schema", "--check", code=1)
    assert "does not exist; run `inv db.schema`" in missing
    inv(project, database, "db.schema")
    path = schema_file(project, database)
    path.write_text(path.read_text().replace("table kept", "table kept_renamed"))
    edited = inv(project, database, "db.schema", "--check", code=1)
    assert "table kept is in the migrations at head but not in" in edited
    assert "table kept_renamed is in" in edited
    path.write_text("garbage\n")
    assert "was not written by `inv db.schema`" in inv(
        project, database, "db.schema", "--check", code=1
    )


@pytest.mark.parametrize(
    "name",
    ["plain", "with space", "x in y", ' "quoted', "", "two\nlines", "trailing "],
)
def test_every_name_and_value_reads_back_as_it_was_written(name: str) -> None:
    objects = {
        ("table", None, "", name or "t"): {},
        ("column", None, name or "t", name): {"type": name, "default": 'it\'s "x"'},
        ("view", "audit", "", "v"): {"definition": f"SELECT 1\n  FROM t -- {name}"},
        ("enum type", "audit", "", "mood"): {"labels": "a, b"},
    }
    catalog = Catalog("postgresql", objects)
    text = render_schema(catalog, ["b2", "a1"])
    assert parse_schema(text) == (catalog, ["a1", "b2"])
    assert render_schema(parse_schema(text)[0], ["a1", "b2"]) == text


def test_a_line_that_is_not_the_format_is_named() -> None:
    text = render_schema(Catalog("sqlite", {("table", None, "", "t"): {}}), []) + "bogus\n"
    with pytest.raises(SchemaFileError, match="line 3"):
        parse_schema(text)


def drop_migration_tables(database: ServerDatabase) -> None:
    for table in ("alembic_version", "alembic_revision_checksums", "alembic_environment"):
        database.query(f"DROP TABLE IF EXISTS {table}")


def create_all_from_models(project: Project, database: ServerDatabase) -> None:
    script = (
        "from app.models import Base\n"
        "from sqlalchemy import create_engine\n"
        f"Base.metadata.create_all(create_engine({database.url!r}))\n"
    )
    completed = project.run("python", "-c", script, env={"DATABASE_URL": database.url})
    assert completed.returncode == 0, completed.stderr


def test_baseline_stamps_the_revision_that_builds_the_database_and_refuses_a_dropped_column(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, KEPT)
    write_start(project, "kept", "kept")  # autogenerate's revision, written in: a set-up
    inv(project, database, "db.upgrade")
    with_items = ITEMS.replace("    qty:", NOTE + "    qty:")
    set_models(project, KEPT, with_items)
    second = revision(project, database, "items")
    inv(project, database, "db.upgrade")
    set_models(project, KEPT, with_items.replace(QTY, ""))
    revision(project, database, "drop qty")
    # A database made by create_all from the models of the second revision, never migrated.
    inv(project, database, "db.downgrade", "-r", "base")
    drop_migration_tables(database)
    assert "empty, so there is nothing to adopt" in inv(project, database, "db.baseline", code=1)
    set_models(project, KEPT, with_items)
    create_all_from_models(project, database)
    database.query("ALTER TABLE items DROP COLUMN note")
    refused = inv(project, database, "db.baseline", code=1)
    assert f"column items.note is in revision {second} but not in the database" in refused
    assert "nothing was stamped" in refused
    assert "alembic_version" not in database.tables()

    database.query("DROP TABLE items")
    create_all_from_models(project, database)
    stamped = inv(project, database, "db.baseline")
    assert f"Stamped the database at {second}" in stamped
    assert database.revisions() == {second}
    inv(project, database, "db.status", code=STATUS_PENDING)
    inv(project, database, "db.upgrade")
    again = inv(project, database, "db.baseline", code=1)
    assert "already has a version table" in again


def scratch_databases_left(database: ServerDatabase) -> list[str]:
    """The databases beside ``database`` a scratch build names after it, still on the server."""
    name = database.url.rpartition("/")[2]
    if database.kind == "postgresql":
        sql = f"SELECT datname FROM pg_database WHERE datname LIKE '{name}\\_%'"
    else:
        sql = f"SHOW DATABASES LIKE '{name}\\_%'"
    return [row[0] for row in database.query(sql)]


# Each database and each command once: the three stop in the same Python and remove their
# scratch database the dialect's way; squash's copy of the files on SQLite, in the temporary folder.
@pytest.mark.parametrize(
    ("database", "command"),
    [
        ("sqlite", ("db.squash", "--through", "slow")),
        ("postgresql", ("db.schema",)),
        ("mysql", ("db.schema", "--check")),
    ],
    indirect=["database"],
    ids=["sqlite-squash", "postgresql-schema", "mysql-schema-check"],
)
def test_ctrl_c_while_the_history_builds_leaves_the_files_and_removes_the_scratch_database(
    project: Project, database: ServerDatabase, command: tuple[str, ...], tmp_path
) -> None:

    from failures import SLEEPING, stopped_once_started, write_revision

    write_revision(project, "first", None, "    pass")
    inv(project, database, "db.schema")
    path = schema_file(project, database)
    written = path.read_bytes()
    write_revision(project, "slow", "first", SLEEPING)
    revisions = {file.name: file.read_bytes() for file in project.versions.glob("*.py")}
    temporary = tmp_path / "temporary"  # a SQLite scratch database's folder, squash's copy
    temporary.mkdir()
    code, stderr = stopped_once_started(
        project, ("inv", *command), DATABASE_URL=database.url, TMPDIR=str(temporary)
    )
    assert code == 130, stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert "Traceback" not in stderr
    # The live database was never touched, so the line says nothing about its state.
    assert "the database is" not in line and "rolled back" not in line, line
    assert line.startswith(f"error: SIGINT stopped {' '.join(command)}"), line
    if command[0] == "db.schema":
        assert f"app/migrations/{path.name} was not changed" in line, line
    else:
        assert "no revision file was changed" in line, line
    assert "the scratch database was removed" in line, line
    assert path.read_bytes() == written
    assert {file.name: file.read_bytes() for file in project.versions.glob("*.py")} == revisions
    assert database.model_tables() == set() and database.revisions() == set()
    assert list(temporary.iterdir()) == []
    if database.kind != "sqlite":
        assert scratch_databases_left(database) == []


def test_ctrl_c_while_baseline_builds_the_revisions_stamps_nothing_and_says_so(
    project: Project, database: ServerDatabase, tmp_path
) -> None:

    from failures import SLEEPING, stopped_once_started, write_revision

    write_revision(project, "first", None, "    pass")
    write_revision(project, "slow", "first", SLEEPING)
    database.query("CREATE TABLE slow (id INTEGER PRIMARY KEY)")  # never migrated: to adopt
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    code, stderr = stopped_once_started(
        project, ("inv", "db.baseline"), DATABASE_URL=database.url, TMPDIR=str(temporary)
    )
    assert code == 130, stderr
    assert "Traceback" not in stderr
    (line,) = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert line == (
        "error: SIGINT stopped db.baseline; the scratch database was removed; nothing was"
        " stamped: the database still has no version table (read after it)"
    ), line
    assert database.revisions() == set() and database.model_tables() == {"slow"}
    assert list(temporary.iterdir()) == []
    if database.kind != "sqlite":
        assert scratch_databases_left(database) == []


ROWS = """    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("INSERT INTO t (id) VALUES (1), (2)")"""
UNIQUE_OVER_ROWS = """    op.add_column("t", sa.Column("c1", sa.Integer()))
    op.execute("UPDATE t SET c1 = 1")
    op.create_index("ix_t_c1", "t", ["c1"], unique=True)"""


def test_a_revision_failing_on_the_scratch_build_is_never_said_of_the_live_database(
    project: Project, database: ServerDatabase
) -> None:
    """A pending revision that fails on the rows the earlier revisions wrote fails on every
    scratch build: the line is the build's, never a state of the live database (still at r1),
    whose advice (a stamp) would mark r2 applied there without its column."""
    from failures import write_revision

    write_revision(project, "r1", None, ROWS)
    inv(project, database, "db.upgrade")
    write_revision(project, "r2", "r1", UNIQUE_OVER_ROWS)
    for command in (("db.schema",), ("db.schema", "--check")):
        said = inv(project, database, *command, code=1)
        assert "Traceback" not in said
        lines = [line for line in said.splitlines() if line.startswith("error:")]
        assert "failed in upgrade() at app/migrations/versions/r2_safety.py" in lines[0], said
        assert "on a scratch database built from the revisions" in lines[0], said
        assert lines[1:] == [
            "error: the database DATABASE_URL names was not changed: this build runs in a"
            " scratch database only; a database built from the revisions (a new one, CI's)"
            " fails the same way: fix the revision"
        ], said
        for wrong in ("stamp", "half-applied", "still at", "rolled back"):
            assert wrong not in said, (wrong, said)
        assert database.revisions() == {"r1"}
        if database.kind != "sqlite":
            assert scratch_databases_left(database) == []
    # The live rows differ from the build's (one deleted): r2 runs here, and status, which reads
    # no rows, says so much: it may fail, every database built from the revisions does.
    database.query("DELETE FROM t WHERE id = 2")
    status = inv(project, database, "db.status", code=2)
    assert "r2 fails on a scratch database" in status, status
    assert "would fail the same way" not in status, status
    assert "may fail here too (this database's rows were not read)" in status, status
    inv(project, database, "db.upgrade")
    if database.kind == "sqlite":  # db.baseline builds each revision the same way (shared code)
        import sqlite3

        adopted = project.path / "adopted.db"
        with sqlite3.connect(adopted) as made:
            made.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, c1 INTEGER)")
        environment = {"DATABASE_URL": f"sqlite:///{adopted}"}
        said = project.inv("db.baseline", code=1, env=environment).stderr
        assert "on a scratch database built from the revisions" in said, said
        assert "stamp" not in said.replace("stamped", ""), said
