"""Models the database cannot build are named, with their table, in one line: `db.status`
exits with its code for them (14), never advising a revision. SQLAlchemy cannot compile a
column default the database lacks (SQLite has no sequences); the server refuses a generated
column calling a function it does not have."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from project import Project, one_error_line
from servers import ServerDatabase, only_on
from sqlalchemy.dialects.mysql.base import MySQLDialect
from sqlalchemy.schema import CreateTable
from test_drift_detection import models_match_test, revise_and_upgrade, set_models

from alembic_steward.inspection._unbuildable_defaults import UnbuildableModels, compiled_ddl

UNBUILDABLE_MODELS = 14
REFUSED = """

class Twice(Base):
    __tablename__ = "twice"

    id: Mapped[int] = mapped_column(primary_key=True)
    doubled: Mapped[int] = mapped_column(sa.Computed("no_such_function(id)", persisted=True))
"""

TICKETS = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

TICKET_NUMBERS = sa.Sequence("ticket_numbers")


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(server_default=TICKET_NUMBERS.next_value())
"""

NOTES = """

class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
"""
# A new column whose default calls a function the server lacks: PostgreSQL and MariaDB refuse
# the CREATE TABLE. SQLite accepts it there (it fails only at INSERT), so no database of it
# refuses these models and db.revision writes them, as autogenerate would.
NOTE_WITH_UNKNOWN_DEFAULT = (
    NOTES
    + """
    body: Mapped[str] = mapped_column(sa.String(40), server_default=sa.text("no_such_fn()"))
"""
)


def test_a_sequence_default_on_sqlite_names_the_column(project: Project) -> None:
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + TICKETS)
    for task in (("db.check",), ("db.status",), ("db.revision", "-m", "Tickets")):
        code = 1 if task[0] == "db.revision" else UNBUILDABLE_MODELS
        completed = project.inv(*task, code=code)
        assert "will not be checked" not in completed.stderr, completed.stderr
        error = one_error_line(completed.stderr)
        assert "column tickets.number" in error, error
        assert "SQLite has no sequences" in error and "ticket_numbers" in error, error
        assert "NotImplementedError" not in error and "INV_TRACEBACK" not in error, error
    assert not list(project.versions.glob("*.py"))  # db.revision wrote nothing
    document = json.loads(project.inv("db.status", "--json", code=UNBUILDABLE_MODELS).stdout)
    assert document["exit_code"] == UNBUILDABLE_MODELS and "tickets.number" in document["problem"]


@only_on("sqlite", "postgresql", why="MariaDB's refusal: test_drift_detection.py")
def test_models_the_server_refuses_are_named_by_status_and_check(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, REFUSED)
    for task, code in (("db.status", UNBUILDABLE_MODELS), ("db.check", UNBUILDABLE_MODELS)):
        completed = project.inv(task, code=code, env={"DATABASE_URL": database.url})
        error = one_error_line(completed.stderr)
        assert "cannot build the models' table twice" in error, error
        assert "no_such_function" in error and "db.revision" not in completed.stdout + error


@only_on("postgresql", "mysql", why="SQLite's CREATE TABLE accepts an unknown function default")
def test_a_revision_for_models_the_server_refuses_is_refused_before_writing(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, NOTES)
    revise_and_upgrade(project, database, "notes")
    before = {path.name: path.read_bytes() for path in project.versions.iterdir() if path.is_file()}
    set_models(project, NOTE_WITH_UNKNOWN_DEFAULT)
    env = {"DATABASE_URL": database.url}
    status = one_error_line(project.inv("db.status", code=UNBUILDABLE_MODELS, env=env).stderr)
    assert "the models' table notes (" in status and "change the models" in status, status
    refused = project.inv("db.revision", "-m", "bad", code=1, env=env)
    # db.status's own line, and nothing written: no revision file, HEAD as it was.
    assert one_error_line(refused.stderr) == status, refused.stdout + refused.stderr
    assert "Created revision" not in refused.stdout, refused.stdout
    assert {
        path.name: path.read_bytes() for path in project.versions.iterdir() if path.is_file()
    } == before
    other = "PostgreSQL" if database.kind == "mysql" else "MariaDB"
    assert other not in status and "__table_args__" not in status, status


def test_what_mariadb_cannot_compile_is_said_of_mariadb_not_mysql() -> None:
    notes = sa.Table("notes", sa.MetaData(), sa.Column("body", sa.String()))  # no length
    with pytest.raises(UnbuildableModels) as raised:
        compiled_ddl(CreateTable(notes), MySQLDialect(is_mariadb=True))
    assert "MariaDB says" in str(raised.value) and "MySQL" not in str(raised.value), raised.value


AUDIT_LOG = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = {"schema": "audit"}

    id: Mapped[int] = mapped_column(
        sa.Sequence("audit_seq", schema="audit"), primary_key=True
    )
"""


@only_on("postgresql", why="only PostgreSQL has schemas and sequences the models name")
def test_a_table_in_a_new_schema_with_its_own_sequence_gets_hints_that_build_it(
    project: Project, database: ServerDatabase
) -> None:
    """Following db.revision's hints to the letter builds what the models describe: the
    schema, the sequence, and the column taking its values from it (not a SERIAL)."""
    env = {"DATABASE_URL": database.url}
    set_models(project, AUDIT_LOG)
    written = project.inv("db.revision", "-m", "audit", code=1, env=env)
    assert one_error_line(written.stderr).startswith("error: written ")
    warnings = [line for line in written.stdout.splitlines() if line.startswith("warning: ")]
    sequence = 'sa.Sequence("audit_seq", schema="audit")'
    create_schema, create_sequence = (
        'op.execute("CREATE SCHEMA audit")',
        f"op.execute(sa.schema.CreateSequence({sequence}))",
    )
    drop_schema, drop_sequence = (
        'op.execute("DROP SCHEMA audit")',
        f"op.execute(sa.schema.DropSequence({sequence}))",
    )
    said = "\n".join(warnings)
    for call in (create_schema, create_sequence, drop_schema, drop_sequence):
        assert call in said, said
    assert f'sa.Column("id", ..., {sequence}, ...)' in said, said

    # What the hints say, done by hand.
    (path,) = project.versions.glob("*.py")
    source = path.read_text()
    source = source.replace(
        "    op.create_table(\n",
        f"    {create_schema}\n    {create_sequence}\n    op.create_table(\n",
    )
    source = source.replace(
        'sa.Column("id", sa.Integer(), nullable=False)',
        f'sa.Column("id", sa.Integer(), {sequence}, nullable=False)',
    )
    dropped = '    op.drop_table("audit_log", schema="audit")\n'
    assert dropped in source and "sa.Integer(), sa.Sequence" in source
    source = source.replace(dropped, f"{dropped}    {drop_sequence}\n    {drop_schema}\n")
    path.write_text(source)
    project.inv("db.upgrade", env=env)
    project.inv("db.status", env=env)  # up to date: the models are what it built
    project.inv("db.downgrade", "-r", "base", env=env)


def test_the_baked_models_match_test_names_models_the_server_refuses(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, REFUSED)
    status = one_error_line(
        project.inv("db.status", code=UNBUILDABLE_MODELS, env={"DATABASE_URL": database.url}).stderr
    )
    completed = models_match_test(project, database)
    assert completed.returncode == 1, completed.stdout
    # The status's line, not a drift advising the revision that would be refused, nor
    # autogenerate's operation names in place of the difference lines.
    assert status.removeprefix("error: ") in completed.stdout, completed.stdout
    assert "db.revision" not in completed.stdout, completed.stdout
    assert "add_table" not in completed.stdout, completed.stdout
