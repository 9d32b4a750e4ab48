"""A column in one schema taking its values from a sequence in another (PostgreSQL): the checks
give their verdict, and `db.revision` writes, as for any other table; nothing blames the history
for what autogenerate's own comparison trips on."""

from __future__ import annotations

import sqlalchemy as sa
from made_revisions import write_start
from project import Project, one_error_line
from servers import ServerDatabase, only_on
from test_drift_detection import set_models

DRIFT = 3
ORDERS = """

ORDER_NUMBERS = sa.Sequence("order_no_seq"{options}, metadata=Base.metadata)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = {{"schema": "billing"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[int] = mapped_column(
        sa.Integer, ORDER_NUMBERS, server_default=ORDER_NUMBERS.next_value()
    )
"""
NOTES = """

class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
"""


STARTED_AT_100 = ", start=100, increment=5"


def orders(options: str = "") -> str:
    return ORDERS.format(options=options)


def write_initial_revision(project: Project, env: dict[str, str], options: str = "") -> None:
    """`db.revision` for ``orders(options)``, then what its lines say to add by hand (the
    sequence with every option the models give it), then `db.upgrade`: `db.check` is clean."""
    set_models(project, orders(options))
    written = project.inv("db.revision", "-m", "initial", code=1, env=env)
    said = written.stdout
    assert 'op.execute("CREATE SCHEMA billing")' in said, said
    create = f'op.execute(sa.schema.CreateSequence(sa.Sequence("order_no_seq"{options})))'
    assert create in said, said
    (path,) = project.versions.glob("*.py")
    source = path.read_text().replace(
        "    op.create_table(\n",
        f'    op.execute("CREATE SCHEMA billing")\n    {create}\n    op.create_table(\n',
        1,
    )
    path.write_text(source)
    project.inv("db.upgrade", env=env)
    project.inv("db.check", env=env)


@only_on("postgresql", why="only PostgreSQL has schemas and sequences the models name")
def test_a_changed_sequence_of_another_schema_and_a_new_model_beside_it_are_drift_as_any(
    project: Project, database: ServerDatabase
) -> None:
    """One history walked through (its set-up made once): the first revision, written with what
    to add by hand; the sequence changed, which is drift advised as its ALTER SEQUENCE and
    written by no revision; then a new model beside it, which is drift and gets its revision."""
    env = {"DATABASE_URL": database.url}
    write_initial_revision(project, env, STARTED_AT_100)

    set_models(project, orders(", start=200, increment=5"))
    completed = project.inv("db.check", code=DRIFT, env=env)
    said = completed.stdout + completed.stderr
    assert "order_no_seq" in said and "the migrations fail on" not in said, f"changed: {said}"
    refused = project.inv("db.revision", "-m", "start", code=1, env=env)
    error = one_error_line(refused.stderr)
    assert "database error" not in error and "does not exist" not in error, f"changed: {error}"
    assert "ALTER SEQUENCE" in refused.stdout + error, f"changed: {refused.stdout}{error}"
    assert len(list(project.versions.glob("*.py"))) == 1, "changed: a revision was written"

    set_models(project, orders(STARTED_AT_100), NOTES)
    for task in ("db.check", "db.status"):
        completed = project.inv(task, code=DRIFT, env=env)
        said = completed.stdout + completed.stderr
        assert "notes" in said and "the migrations fail on" not in said, f"new model: {said}"
    written = project.inv("db.revision", "-m", "notes", env=env)
    assert "Created revision" in written.stdout, f"new model: {written.stdout}{written.stderr}"
    project.inv("db.upgrade", env=env)
    project.inv("db.check", env=env)


# A default the server stores and never evaluates until an INSERT: autogenerate's comparison
# selects it to compare it with the models' (which it spells differently), and that fails.
MEASURES = """

class Measure(Base):
    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    broken: Mapped[int] = mapped_column(server_default=sa.text("1/0"))
"""


@only_on("postgresql", why="PostgreSQL stores a default that fails when evaluated")
def test_autogenerate_failing_to_compare_is_not_blamed_on_the_history(
    project: Project, database: ServerDatabase
) -> None:
    """The catalogs' verdict stands (drift, exit 3); `db.revision` says in one line that
    autogenerate cannot run here, each change above it with what to write by hand."""
    env = {"DATABASE_URL": database.url}
    set_models(project, MEASURES)
    write_start(project, "measures with a default failing when evaluated")
    project.inv("db.upgrade", env=env)
    set_models(project, MEASURES, NOTES)
    for task in ("db.check", "db.status"):
        completed = project.inv(task, code=DRIFT, env=env)
        said = completed.stdout + completed.stderr
        assert "table notes" in said and "op.create_table(" in said, said
        assert "autogenerate's own comparison fails" in said.lower(), said
        assert "the migrations fail on" not in said and "upgrade() fails" not in said, said
    refused = project.inv("db.revision", "-m", "notes", code=1, env=env)
    error = one_error_line(refused.stderr)
    assert error.startswith("error: nothing was written: autogenerate's own comparison fails on")
    assert "DivisionByZero" in error and "--empty" in error, error
    assert "table notes" in refused.stdout and "op.create_table(" in refused.stdout
    assert len(list(project.versions.glob("*.py"))) == 1


@only_on("postgresql", why="only PostgreSQL has schemas and sequences the models name")
def test_a_default_calling_a_sequence_of_another_schema_is_reflected_where_the_sequence_is(
    database: ServerDatabase,
) -> None:
    """SQLAlchemy names it in the table's schema; the listener names it as the server does,
    and Alembic's comparison, which casts that name to regclass, runs."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.runtime._sequence_default_schemas import (
        read_sequence_defaults_as_the_server_has_them,
    )

    read_sequence_defaults_as_the_server_has_them()
    models = sa.MetaData()
    numbers = sa.Sequence("order_no_seq", metadata=models)
    sa.Table(
        "orders",
        models,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_no", sa.Integer, numbers, server_default=numbers.next_value()),
        schema="billing",
    )
    engine = sa.create_engine(database.url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE SCHEMA billing"))
            models.create_all(connection)
            reflected = sa.Table(
                "orders", sa.MetaData(), schema="billing", autoload_with=connection
            )
            default = reflected.c.order_no.server_default.arg.text
            assert default == "nextval('order_no_seq'::regclass)", default
            context = MigrationContext.configure(
                connection,
                opts={"compare_server_default": True, "include_schemas": True},
            )
            assert compare_metadata(context, models) == []
    finally:
        engine.dispose()
