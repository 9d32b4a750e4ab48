"""`inv db.reset` empties the database (what its migrations made and what was made by hand), not
only its tables.

A view, a standalone sequence, an enum type or a table in another schema left behind makes the
first migration fail on it when reset migrates again ("already exists"), or keeps its rows.
"""

from __future__ import annotations

from pathlib import Path

from made_revisions import add_users
from project import Project, revision_source
from servers import ServerDatabase, only_on

README = Path(__file__).parents[2] / "README.md"

AUDIT_MODEL = """

class AuditEntry(Base):
    __tablename__ = "entries"
    __table_args__ = {"schema": "audit"}

    id: Mapped[int] = mapped_column(primary_key=True)
"""
VIEW = '    op.execute("CREATE VIEW user_emails AS SELECT email FROM users")\n'
# What each database can hold besides tables and views, made the way migrations make it.
OTHER_OBJECTS = {
    "sqlite": "",
    "mysql": '    op.execute("CREATE SEQUENCE ticket_seq")\n',
    "postgresql": (
        '    op.execute("CREATE SCHEMA audit")\n'
        '    op.create_table("entries", sa.Column("id", sa.Integer, primary_key=True),'
        ' schema="audit")\n'
        '    op.execute("CREATE SEQUENCE ticket_seq")\n'
        "    op.execute(\"CREATE TYPE mood AS ENUM ('calm', 'busy')\")\n"
    ),
}
DROPPED_ALSO = {
    "sqlite": "Dropped also: view user_emails.",
    "mysql": "Dropped also: sequence ticket_seq, view user_emails.",
    "postgresql": (
        "Dropped also: enum type mood, schema audit, sequence ticket_seq, view user_emails."
    ),
}


def test_reset_drops_views_sequences_types_and_other_schemas_and_migrates_again(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = add_users(project)
    if database.kind == "postgresql":
        models = project.path / "app/models.py"
        models.write_text(models.read_text() + AUDIT_MODEL)
    upgrade = VIEW + OTHER_OBJECTS[database.kind]
    project.write_revision("objects.py", revision_source("objects", first, upgrade.rstrip("\n")))
    project.inv("db.upgrade", env=env)
    database.query("INSERT INTO users (email) VALUES ('a@example.com')")

    for _ in range(2):  # and again, on what the first reset migrated
        output = project.inv("db.reset", env=env).stdout
        assert DROPPED_ALSO[database.kind] in output, output
        assert "Migrated to head." in output
    assert database.query("SELECT count(*) FROM user_emails") == [(0,)]
    assert database.revisions() == {"objects"}


@only_on("postgresql", why="only PostgreSQL has schemas the checks read beside the default one")
def test_reset_drops_a_hand_made_schema_the_checks_advise_it_for(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    add_users(project)
    project.inv("db.upgrade", env=env)
    database.query("CREATE SCHEMA other; CREATE TABLE other.t (id integer)")
    status = project.inv("db.status", code=9, env=env)
    advice = status.stdout + status.stderr
    assert "schema other" in advice and "db.reset" in advice, advice

    output = project.inv("db.reset", env=env).stdout
    assert "schema other" in output, output
    assert "other.t" in output, output
    assert database.query("SELECT count(*) FROM pg_namespace WHERE nspname = 'other'") == [(0,)]
    project.inv("db.status", env=env)


@only_on("postgresql", why="only PostgreSQL has enum types a table elsewhere depends on")
def test_reset_drops_an_enum_a_forgotten_schemas_table_uses_and_lists_it(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = add_users(project)
    upgrade = (
        '    op.execute("CREATE SCHEMA audit")\n'
        "    op.execute(\"CREATE TYPE color AS ENUM ('red', 'blue')\")\n"
        '    op.execute("CREATE TABLE audit.audit_log (id serial PRIMARY KEY, shade color)")\n'
        '    op.execute("CREATE TABLE palette (id serial PRIMARY KEY, shade color)")'
    )
    source = revision_source("audit", first, upgrade)
    project.write_revision("audit.py", source)
    project.inv("db.upgrade", env=env)
    project.write_revision("audit.py", source).unlink()
    project.inv("db.status", code=6, env=env)

    output = project.inv("db.reset", env=env).stdout
    assert "enum type color" in output, output
    assert "schema audit" in output and "audit.audit_log" in output, output
    assert database.query("SELECT count(*) FROM pg_type WHERE typname = 'color'") == [(0,)]
    assert database.revisions() == {first}


@only_on("postgresql", why="one database shows the line; the drops are one transaction there")
def test_a_reset_whose_drop_fails_says_what_the_database_holds_and_what_to_do(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = add_users(project)
    project.inv("db.upgrade", env=env)
    # A drop the server refuses, whatever reset cascades: an event trigger stops every one.
    database.query(
        "CREATE FUNCTION refuse() RETURNS event_trigger LANGUAGE plpgsql AS"
        " $$BEGIN RAISE EXCEPTION 'drops refused here'; END$$;"
        " CREATE EVENT TRIGGER refuse_drops ON ddl_command_start WHEN TAG IN ('DROP TABLE')"
        " EXECUTE FUNCTION refuse()"
    )
    try:
        line = project.inv("db.reset", code=1, env=env).stderr.strip()
    finally:
        database.query("DROP EVENT TRIGGER refuse_drops")
    assert line.startswith("error: reset stopped, a drop failed (drops refused here"), line
    assert f"at {first} (nothing was dropped)" in line, line
    assert "`inv db.drop` then `inv db.setup`" in line, line
    assert "users" in database.model_tables()


# Each PostgreSQL object kind the checks describe beyond tables, views, sequences, enum types and
# routines, made by a revision: reset must drop them all, or the next upgrade fails on the first.
TYPE_OBJECTS = (
    '    op.execute("CREATE DOMAIN score_t AS integer CHECK (VALUE >= 0)")\n'
    '    op.execute("CREATE TYPE address AS (street text, city text)")\n'
    '    op.execute("CREATE TYPE floatrange AS RANGE (subtype = float8)")\n'
    "    op.execute(\"CREATE COLLATION shop_c (locale = 'C')\")\n"
    '    op.execute("CREATE FUNCTION plus(a integer, b integer) RETURNS integer'
    " LANGUAGE sql IMMUTABLE AS 'SELECT a + b'\")\n"
    '    op.execute("CREATE AGGREGATE total(integer) (sfunc = plus, stype = integer,'
    " initcond = '0')\")\n"
    '    op.execute("CREATE OPERATOR &&& (leftarg = integer, rightarg = integer,'
    ' function = plus)")\n'
    '    op.execute("CREATE TABLE scores (id serial PRIMARY KEY, score score_t,'
    ' home address)")'
)


@only_on("postgresql", why="only PostgreSQL has domains, composite and range types, operators")
def test_reset_drops_domains_types_collations_aggregates_and_operators_and_migrates_again(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    first = add_users(project)
    project.write_revision("types.py", revision_source("types", first, TYPE_OBJECTS))
    project.inv("db.upgrade", env=env)

    for _ in range(2):  # and again, on what the first reset migrated
        output = project.inv("db.reset", env=env).stdout
        for dropped in (
            "aggregate total(integer)",
            "collation shop_c",
            "composite type address",
            "domain score_t",
            "function plus(integer, integer)",
            "operator &&&(integer, integer)",
            "range type floatrange",
        ):
            assert dropped in output, output
        # The range type's constructor functions went with it, unnamed.
        assert "function floatrange" not in output, output
        assert "Migrated to head." in output
    assert database.revisions() == {"types"}


def test_reset_s_help_and_the_readme_say_it_drops_hand_made_tables_with_their_rows(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    add_users(project)
    project.inv("db.upgrade", env=env)
    database.query("CREATE TABLE my_notes (id INTEGER PRIMARY KEY)")
    database.query("INSERT INTO my_notes (id) VALUES (1)")
    output = project.inv("db.reset", env=env).stdout
    assert "my_notes" in output, output
    # What it did, as its help and the README say it: not "everything the migrations made".
    said = " ".join(project.inv("--help", "db.reset").stdout.split())
    readme = " ".join(README.read_text().split())
    for text in (said, readme):
        assert "everything the migrations made" not in text
        assert "made by hand too, with their rows" in text, text
