"""Findings users reported on small corners of check, the offline scripts, downgrades and
backfills: each the behaviour they expected."""

from __future__ import annotations

import re

from backfill_histories import ROWS, history_with_backfill, lowered, require_in_next_revision
from project import Project, revision_source
from servers import ServerDatabase, only_on
from test_catalog_truth import ITEMS, revision, start_with
from test_drift_detection import inv, set_models
from test_irreversible_downgrades import ALWAYS, write_history

ACCOUNTS = """

class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (sa.Index("ix_accounts_name_desc", sa.text("name {order}")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(
        sa.String(100, collation="{collation}"), server_default="{default}"
    )
"""


@only_on("sqlite", why="the text index's key autogenerate could not find was SQLite's rebuild")
def test_a_collation_a_text_index_and_a_default_changed_at_once_are_advice_not_an_error(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, ACCOUNTS.format(order="DESC", collation="NOCASE", default="main"))
    set_models(project, ACCOUNTS.format(order="ASC", collation="RTRIM", default="other"))
    checked = inv(project, database, "db.check", code=3)
    assert "KeyError" not in checked and "fix that by hand" not in checked, checked
    assert "index accounts.ix_accounts_name_desc: definition (name)" in checked, checked


def applied(database: ServerDatabase, script: str) -> None:
    """Apply an offline script by hand, statement by statement (outside any transaction: the
    test reads what it leaves, not how it commits)."""
    for chunk in script.split(";\n"):
        statement = "\n".join(s for s in chunk.splitlines() if not s.startswith("--")).strip()
        if statement and statement.upper() not in ("BEGIN", "COMMIT"):
            database.query(statement)


def test_an_offline_script_records_the_environment_it_was_generated_for_and_says_so(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, ITEMS)
    revision(project, database, "items")
    env = {"DATABASE_URL": database.url, "APP_ENV": "production"}
    script = project.inv("db.upgrade", "--sql", env=env).stdout
    note = "-- alembic_environment records 'production': the APP_ENV this script was generated"
    assert note in script, script
    for table in database.tables():  # what writing the revision left (MySQL's version table)
        database.query(f"DROP TABLE {table}")
    applied(database, script)
    assert database.query("SELECT environment FROM alembic_environment") == [("production",)]


NUMBERED = """

class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column({id_type}, primary_key=True)
"""


@only_on("postgresql", why="only PostgreSQL numbers a plain integer key by a SERIAL's sequence")
def test_an_identity_turned_serial_is_advised_in_one_step(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, NUMBERED.format(id_type="sa.Integer, sa.Identity()"))
    set_models(project, NUMBERED.format(id_type="sa.Integer"))
    checked = inv(project, database, "db.check", code=3)
    serial = (
        'op.execute("CREATE SEQUENCE accounts_id_seq AS integer OWNED BY accounts.id"),'
        ' op.execute("ALTER TABLE accounts ALTER COLUMN id SET DEFAULT'
        " nextval('accounts_id_seq')\")"
    )
    assert serial in checked, checked
    # The advised statements, run as a revision would, leave the models' sequence.
    database.query("ALTER TABLE accounts ALTER COLUMN id DROP IDENTITY")
    database.query("INSERT INTO accounts (id) VALUES (7)")
    for statement in re.findall(r'op\.execute\("([^"]+)"\)', checked.split("in the upgrade")[0]):
        if "SEQUENCE" in statement or "nextval" in statement or "setval" in statement:
            database.query(statement)
    database.query("INSERT INTO accounts DEFAULT VALUES")
    assert database.query("SELECT max(id) FROM accounts") == [(8,)]
    owned = "SELECT data_type FROM pg_sequences WHERE sequencename = 'accounts_id_seq'"
    assert database.query(owned) == [("integer",)]


@only_on("sqlite", "postgresql", why="the pre-check reads revision files, on any server alike")
def test_a_downgrade_script_over_an_irreversible_revision_prints_nothing(
    project: Project, database: ServerDatabase
) -> None:
    write_history(project, ALWAYS)
    env = {"DATABASE_URL": database.url}
    completed = project.inv("db.downgrade", "--sql", "-r", "head:base", code=1, env=env)
    assert completed.stdout == "", completed.stdout
    assert completed.stderr.splitlines()[0] == (
        "error: revision r2 (r2) cannot be downgraded: gone; the script would revert r4, r3"
        " before it; no SQL was printed; stop at r2 instead: `inv db.downgrade --sql -r head:r2`"
    )
    # Stopping there prints the script for r4 and r3.
    script = project.inv("db.downgrade", "--sql", "-r", "head:r2", env=env).stdout
    assert "DROP VIEW item_names" in script, script


MOODS = """

class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(sa.Integer, sa.Identity(), primary_key=True)
    mood: Mapped[str] = mapped_column(sa.Enum("sad", "ok", name="mood"))
"""


@only_on("postgresql", why="PostgreSQL's enum types and identities")
def test_a_hand_added_enum_value_beside_another_hand_change_is_one_advice(
    project: Project, database: ServerDatabase
) -> None:
    start_with(project, database, MOODS)
    database.query("ALTER TYPE mood ADD VALUE 'meh'")
    database.query("ALTER TABLE people ALTER COLUMN id SET INCREMENT BY 2")
    for command in ("db.check", "db.status"):
        said = inv(project, database, command, code=9)
        assert "write a revision that adds it" in said, said
        assert "so write no revision for this" not in said, said
        assert "besides that, the models match: write no other revision for this" in said, said
        identity = (
            "column people.id: identity by default (start 1 increment 1 min 1 max 2147483647"
            " cache 1) in what its revision builds, identity by default (start 1 increment 2"
        )
        assert identity in said, said


def test_a_relative_downgrade_from_two_current_revisions_is_refused_naming_each_choice(
    project: Project,
) -> None:
    # r1, then a and b on two branches, merged by m: the fixture service's SQLite database.
    for name, down in (("r1", None), ("a", "r1"), ("b", "r1"), ("m", ("a", "b"))):
        project.write_revision(f"{name}.py", revision_source(name, down, "    pass"))
    project.inv("db.upgrade")
    project.inv("db.downgrade", "-r", "a", "--yes")  # reverts the merge: a and b are current
    completed = project.inv("db.downgrade", "--yes", code=1)
    assert "UserWarning" not in completed.stderr, completed.stderr
    assert completed.stderr.splitlines()[0] == (
        "error: the database is at several revisions (a, b), so -1 steps are ambiguous; name the"
        " one to revert: `inv db.downgrade -r a@-1` reverts only a,"
        " `inv db.downgrade -r b@-1` reverts only b; nothing was reverted"
    ), completed.stderr
    # Each advised command reverts what it says, and nothing else.
    project.inv("db.downgrade", "-r", "a@-1", "--yes")
    current = project.inv("db.current").stdout
    assert "b" in current.split() and "a" not in current.split(), current


@only_on("sqlite", "postgresql", why="the gate's writes are the same SQL everywhere")
def test_rows_require_backfill_finishes_inline_are_counted_in_the_status(
    project: Project, database: ServerDatabase
) -> None:
    declaring = history_with_backfill(project, database)
    inv(project, database, "db.backfill", "run", "users_lower")
    values = ", ".join(f"({n}, 'LATE{n}@EXAMPLE.COM')" for n in range(1001, 1006))
    database.query(f"INSERT INTO users (id, email) VALUES {values}")
    require_in_next_revision(project, database, declaring)
    inv(project, database, "db.upgrade")  # its 5 pending rows are finished inline
    assert lowered(database) == ROWS + 5
    status = inv(project, database, "db.backfill", "status", "users_lower")
    assert f"finished, {ROWS + 5} rows in 4 batches" in status, status


def test_a_failing_collation_keeping_block_is_named_by_its_table() -> None:
    # The class that keeps collations through a SQLite rebuild is still one table's changes.
    from alembic_steward.inspection._autogenerate_trial import operation_name
    from alembic_steward.runtime._batch_collations import CollationKeepingTableOps

    named = operation_name(CollationKeepingTableOps("accounts", []))
    assert named == "what autogenerate writes for table accounts"
