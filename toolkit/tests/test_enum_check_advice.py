"""The by-hand calls for a CHECK constraint hold SQL the database takes as printed: a
non-native Enum's constraint is an IN list, whose values SQLAlchemy would otherwise render as a
placeholder (`__[POSTCOMPILE_param_1]`) no database can parse."""

from __future__ import annotations

import re

import sqlalchemy as sa
from servers import ServerDatabase

CONVENTION = {"ck": "ck_%(table_name)s_%(constraint_name)s"}


def customers(metadata: sa.MetaData, *kinds: str) -> sa.Table:
    kind = sa.Enum(*kinds, name="kind", native_enum=False, create_constraint=True)
    identifier = sa.Column("id", sa.Integer, primary_key=True)
    return sa.Table("customers", metadata, identifier, sa.Column("kind", kind))


def test_an_enum_s_changed_check_is_advised_with_its_values_written_out(
    database: ServerDatabase,
) -> None:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from alembic_steward.catalog import Difference
    from alembic_steward.inspection._by_hand import by_hand_line

    old = sa.MetaData(naming_convention=CONVENTION)
    models = sa.MetaData(naming_convention=CONVENTION)
    customers(old, "shop", "firm")
    table = customers(models, "shop", "firm", "club")
    engine = sa.create_engine(database.url)
    dialect = engine.dialect.name
    facts = (("definition", "kind IN ('shop', 'firm', 'club')", "kind IN ('shop', 'firm')"),)
    changed = Difference("check constraint", "customers.ck_customers_kind", "different", facts)
    line = by_hand_line(changed, models, dialect=dialect)
    assert "POSTCOMPILE" not in line and "'club'" in line, line
    calls = re.findall(r"`((?:batch_)?op\.(?:drop|create)_[^`]*)`", line)
    assert len(calls) == 2, line
    try:
        with engine.begin() as connection:
            old.create_all(connection)
            operations = Operations(MigrationContext.configure(connection))
            if dialect == "sqlite":
                with operations.batch_alter_table("customers") as batch_op:
                    for call in calls:
                        eval(call, {"op": operations, "batch_op": batch_op})  # noqa: S307
            else:
                for call in calls:
                    eval(call, {"op": operations})  # noqa: S307
            connection.execute(table.insert().values(id=1, kind="club"))
            refused = connection.begin_nested()
            try:
                connection.execute(sa.text("INSERT INTO customers (id, kind) VALUES (2, 'nope')"))
            except sa.exc.DBAPIError:
                refused.rollback()
            else:
                raise AssertionError("the constraint the advice wrote lets any kind in")
    finally:
        engine.dispose()
