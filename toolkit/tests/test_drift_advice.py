"""`inv db.status` and `inv db.check` give the same advice for drift, from one reading of it:
`inv db.revision` only for what autogenerate can write, a revision by hand for what it cannot."""

from __future__ import annotations

import sqlalchemy as sa
from project import Project
from servers import ServerDatabase, only_on
from test_drift_detection import GENERATED, KEPT, inv, models_path, revise_and_upgrade, set_models

STATUS_DRIFT = 3
AUTOGENERATE = 'run `inv db.revision -m "..."`'
BY_HAND = 'write the revision by hand (`inv db.revision --empty -m "..."`)'
EXPRESSION_INDEX = """

class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(50))
"""
LOWER_EMAIL_INDEX = '\nsa.Index("ix_people_lower_email", sa.func.lower(Person.email))\n'


def status_and_check_advice(project: Project, database: ServerDatabase) -> tuple[str, str]:
    """The `status:` line of `inv db.status` (exit 3) and the last line of `inv db.check`."""
    status = inv(project, database, "db.status", code=STATUS_DRIFT)
    (verdict,) = [line for line in status.splitlines() if line.startswith("status:")]
    check = inv(project, database, "db.check", code=3)
    return verdict, check.strip().splitlines()[-1]


def change_a_generated_expression(
    project: Project, database: ServerDatabase, *more_models: str
) -> None:
    """Migrate a table with a generated column, then change its expression (and add models)."""
    set_models(project, GENERATED)
    revise_and_upgrade(project, database, "boxes")
    path = models_path(project)
    path.write_text(path.read_text().replace("width * 2", "width * 3") + "".join(more_models))


def test_a_change_only_a_hand_written_revision_can_make_is_never_sent_to_db_revision(
    project: Project, database: ServerDatabase
) -> None:
    # Each database reads the generated expression its own way; Alembic refuses to alter a
    # computed column on every one alike, so the line advises a drop and an add everywhere.
    change_a_generated_expression(project, database)
    status = inv(project, database, "db.status", code=STATUS_DRIFT)
    (verdict,) = [line for line in status.splitlines() if line.startswith("status:")]
    advice = inv(project, database, "db.check", code=3).strip().splitlines()[-1]
    for said in (verdict, advice):
        assert BY_HAND in said, said
        assert AUTOGENERATE not in said.lower(), said
    # (A server's own warnings on stderr may name the column too.)
    (line,) = [line for line in status.splitlines() if line.startswith("drift:   column boxes.")]
    assert "drop it and add it again" in line and "op.drop_column(" in line, line
    assert "sa.Computed(" in line and "alter_column" not in line, line


@only_on("sqlite", why="the advice is chosen from the drift read, in shared code")
def test_drift_with_both_kinds_advises_db_revision_and_the_hand_written_rest(
    project: Project, database: ServerDatabase
) -> None:
    change_a_generated_expression(project, database, KEPT)
    verdict, advice = status_and_check_advice(project, database)
    for said in (verdict, advice):
        assert AUTOGENERATE in said.lower() and "by hand what autogenerate cannot write" in said


@only_on("sqlite", why="the servers reflect expression indexes: autogenerate writes them")
def test_an_expression_index_sqlite_cannot_compare_is_drift_to_write_by_hand(
    project: Project, database: ServerDatabase
) -> None:
    set_models(project, EXPRESSION_INDEX)
    revise_and_upgrade(project, database, "people")
    path = models_path(project)
    path.write_text(path.read_text() + LOWER_EMAIL_INDEX)

    verdict, advice = status_and_check_advice(project, database)
    assert "ix_people_lower_email" in inv(project, database, "db.check", code=3)
    for said in (verdict, advice):
        assert BY_HAND in said and AUTOGENERATE not in said.lower(), said


def test_a_failing_operation_is_named_as_a_revision_file_would_call_it() -> None:
    from alembic.operations import ops

    from alembic_steward.inspection._autogenerate_trial import operation_name

    changes = ops.ModifyTableOps("tickets", [])
    assert operation_name(changes) == "what autogenerate writes for table tickets"
    assert operation_name(ops.CreateTableOp("tickets", [])) == "autogenerate's create_table tickets"


def test_a_by_hand_line_names_the_call_that_does_what_it_says() -> None:
    from alembic_steward.catalog import Difference
    from alembic_steward.inspection._by_hand import by_hand_line

    extra = by_hand_line(Difference("column", "users.nickname", "unexpected"), dialect="sqlite")
    assert extra.endswith("drop it by hand (op.drop_column(...))"), extra
    changed = by_hand_line(
        Difference("column", "users.name", "different", (("type", "a", "b"),)), dialect="sqlite"
    )
    assert "change it by hand (op.alter_column(" in changed and "add_column" not in changed
    dropped = by_hand_line(Difference("table", "old", "unexpected"), dialect="sqlite")
    assert "op.drop_table(...)" in dropped


def test_a_changed_check_constraint_line_gives_calls_that_work_as_printed() -> None:
    import re

    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.catalog import Difference
    from alembic_steward.inspection._by_hand import by_hand_line

    convention = {"ck": "ck_%(table_name)s_%(constraint_name)s"}
    old, models = (
        sa.MetaData(naming_convention=convention),
        sa.MetaData(naming_convention=convention),
    )
    for metadata, text in ((old, "qty >= 0"), (models, "qty > 0")):
        sa.Table(
            "orders",
            metadata,
            sa.Column("qty", sa.Integer),
            sa.CheckConstraint(text, name="positive_qty"),
        )
    facts = (("definition", "qty > 0", "qty >= 0"),)
    changed = Difference("check constraint", "orders.ck_orders_positive_qty", "different", facts)
    server_line = by_hand_line(changed, models, dialect="postgresql")
    drop = 'op.drop_constraint(op.f("ck_orders_positive_qty"), "orders", type_="check")'
    assert (
        drop in server_line
        and 'op.create_check_constraint("positive_qty", "orders", "qty > 0")' in server_line
    )
    assert "batch" not in server_line and "downgrade()" in server_line
    line = by_hand_line(changed, models, dialect="sqlite")
    assert 'with op.batch_alter_table("orders") as batch_op:' in line and "downgrade()" in line
    # Followed literally on SQLite, the batch calls leave the models' constraint, named once.
    batch_calls = re.findall(r"`(batch_op\.[^`]*)`", line)
    engine = sa.create_engine("sqlite://")
    with engine.begin() as connection:
        old.create_all(connection)
        context = MigrationContext.configure(connection, opts={"target_metadata": models})
        with Operations(context).batch_alter_table("orders") as batch_op:
            for call in batch_calls:
                eval(call, {"op": Operations(context), "batch_op": batch_op})  # noqa: S307
        checks = sa.inspect(connection).get_check_constraints("orders")
    assert [(c["name"], c["sqltext"]) for c in checks] == [("ck_orders_positive_qty", "qty > 0")]


def test_without_a_check_convention_the_create_takes_the_full_name_as_final() -> None:
    from alembic_steward.catalog import Difference
    from alembic_steward.inspection._by_hand import by_hand_line

    models = sa.MetaData(naming_convention={"ix": "ix_%(column_0_label)s"})
    sa.Table(
        "orders", models, sa.Column("qty", sa.Integer), sa.CheckConstraint("qty > 0", name="ck_q")
    )
    facts = (("definition", "qty > 0", "qty >= 0"),)
    changed = Difference("check constraint", "orders.ck_q", "different", facts)
    line = by_hand_line(changed, models, dialect="postgresql")
    assert 'op.create_check_constraint(op.f("ck_q"), "orders", "qty > 0")' in line, line


def test_a_missing_check_constraint_line_gives_the_create_call_that_works_as_printed() -> None:
    import re

    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.catalog import Difference
    from alembic_steward.inspection._by_hand import by_hand_line

    convention = {"ck": "ck_%(table_name)s_%(constraint_name)s"}
    old, models = (
        sa.MetaData(naming_convention=convention),
        sa.MetaData(naming_convention=convention),
    )
    sa.Table("orders", old, sa.Column("qty", sa.Integer))
    sa.Table(
        "orders", models, sa.Column("qty", sa.Integer), sa.CheckConstraint("qty > 0", name="pos")
    )
    missing = Difference("check constraint", "orders.ck_orders_pos", "missing")
    server_line = by_hand_line(missing, models, dialect="mysql")
    assert 'op.create_check_constraint("pos", "orders", "qty > 0")' in server_line, server_line
    drop = 'op.drop_constraint(op.f("ck_orders_pos"), "orders", type_="check")'
    assert drop in server_line and "batch" not in server_line, server_line
    line = by_hand_line(missing, models, dialect="sqlite")
    assert 'batch_op.drop_constraint(op.f("ck_orders_pos"), type_="check")' in line, line
    # Followed literally on SQLite, the batch call adds the models' constraint, named once.
    call, _downgrade = re.findall(r"`(batch_op\.[^`]*)`", line)
    engine = sa.create_engine("sqlite://")
    with engine.begin() as connection:
        old.create_all(connection)
        context = MigrationContext.configure(connection, opts={"target_metadata": models})
        with Operations(context).batch_alter_table("orders") as batch_op:
            eval(call, {"batch_op": batch_op})  # noqa: S307
        checks = sa.inspect(connection).get_check_constraints("orders")
    assert [(c["name"], c["sqltext"]) for c in checks] == [("ck_orders_pos", "qty > 0")]


POSITIVE_QUANTITY = """

class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[int]
"""
QUANTITY_CHECK = (
    "    __table_args__ = (sa.CheckConstraint('quantity > 0', name='positive_quantity'),)\n"
)


@only_on("postgresql", "mysql", why="SQLite needs the batch the line names there")
def test_a_server_s_by_hand_line_gives_no_sqlite_batch_advice(
    project: Project, database: ServerDatabase
) -> None:
    # Autogenerate writes no CHECK constraint: the line says what to write by hand, and told
    # MariaDB and PostgreSQL users how to do it on SQLite too.
    set_models(project, POSITIVE_QUANTITY + QUANTITY_CHECK)
    revise_and_upgrade(project, database, "orders")
    set_models(project, POSITIVE_QUANTITY + QUANTITY_CHECK.replace(" > 0", " >= 0"))
    output = inv(project, database, "db.check", code=STATUS_DRIFT)
    assert "op.create_check_constraint(" in output, output
    assert "batch" not in output and "SQLite" not in output, output


def test_what_a_hand_written_revision_added_is_not_called_a_change_of_the_models(
    project: Project,
) -> None:
    """A table and a column a revision adds, that the models lack, may be meant to stay: the
    advice names both ways, not only `inv db.revision`, which would write their drop."""
    from made_revisions import add_users
    from project import revision_source

    first = add_users(project)
    upgrade = (
        '    op.create_table("half1", sa.Column("id", sa.Integer(), primary_key=True))\n'
        '    op.add_column("users", sa.Column("email2", sa.String(length=50)))'
    )
    project.write_revision("0002_half.py", revision_source("0002half", first, upgrade))
    project.inv("db.upgrade")

    status = project.inv("db.status", code=STATUS_DRIFT).stdout
    (verdict,) = [line for line in status.splitlines() if line.startswith("status:")]
    advice = project.inv("db.check", code=STATUS_DRIFT).stderr.strip().splitlines()[-1]
    test = project.run("pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py").stdout
    for said in (verdict, advice, test):
        assert "table half1" in said and "column users.email2" in said, said
        assert "add them to the models if they should stay" in said, said
        assert "to write their drop" in said and "models changed without a revision" not in said
