"""The lint names a column's new type as the database's SQL writes it, not SQLAlchemy's
generic rendering (an Enum is VARCHAR there, a widening read as a narrowing)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.operations import ops

from alembic_steward.lint._rules import risks


@pytest.mark.parametrize(
    ("dialect", "written"),
    [
        ("mysql", "ENUM('red','green','blue')"),
        ("postgresql", "color"),
        ("sqlite", "VARCHAR(5)"),
    ],
)
def test_a_changed_type_is_named_as_the_database_writes_it(dialect: str, written: str) -> None:
    operation = ops.AlterColumnOp(
        "users", "color", modify_type=sa.Enum("red", "green", "blue", name="color")
    )
    said = dict(risks(operation, dialect))["changing-column-type"]
    assert said == f"changes the type of users.color to {written}", said
