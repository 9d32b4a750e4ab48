"""Every piece of code the advice puts between backticks compiles as Python, with the table in
the default schema or another: a call copied from a line into a revision must not be a
SyntaxError (`schema="audit"` was rendered before a positional argument)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from servers import ServerDatabase, only_on

CONVENTION = {"ck": "ck_%(table_name)s_%(constraint_name)s"}
DIALECTS = ("postgresql", "sqlite", "mysql")


def levels(schema: str | None) -> sa.MetaData:
    metadata = sa.MetaData(naming_convention=CONVENTION)
    sa.Table(
        "misc",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lvl2", sa.String(10)),
        sa.CheckConstraint("lvl2 IN ('low', 'mid', 'high')", name="level2_t"),
        schema=schema,
    )
    return metadata


def code_in(line: str) -> list[str]:
    """The backticked pieces of ``line`` that hold an `op.` call (a `with ...:` given whole)."""
    return [code for code in re.findall(r"`([^`]+)`", line) if "op." in code]


def assert_compiles(code: str, line: str) -> None:
    source = f"{code}\n    pass" if code.rstrip().endswith(":") else code
    try:
        compile(source, "<advice>", "exec")
    except SyntaxError as error:
        raise AssertionError(f"{code!r} is no Python ({error.msg}), in: {line}") from None


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("schema", [None, "audit"], ids=["default-schema", "other-schema"])
@pytest.mark.parametrize("change", ["different", "missing"])
def test_the_calls_advised_for_a_check_constraint_compile(
    dialect: str, schema: str | None, change: str
) -> None:
    from alembic_steward.catalog import Difference
    from alembic_steward.inspection._by_hand import by_hand_line

    table = f"{schema}.misc" if schema else "misc"
    facts = (("definition", "lvl2 IN ('low', 'mid', 'high')", "lvl2 IN ('low', 'high')"),)
    facts = facts if change == "different" else ()
    difference = Difference("check constraint", f"{table}.ck_misc_level2_t", change, facts)
    line = by_hand_line(difference, levels(schema), dialect=dialect)
    calls = code_in(line)
    assert any("create_check_constraint" in call for call in calls), line
    for call in calls:
        assert_compiles(call, line)
    if schema:
        assert all(f'schema="{schema}"' in call for call in calls if call.startswith("op.")), line


@pytest.mark.parametrize("schema", [None, "audit"], ids=["default-schema", "other-schema"])
def test_the_revision_advised_for_enum_values_added_by_hand_compiles(schema: str | None) -> None:
    from alembic_steward.inspection._enum_value_revision import (
        add_values_code,
        keeping_revision_advice,
    )

    subject = f"{schema}.level_t" if schema else "level_t"
    values = [f"{subject} 'mid'", f"{subject} 'top'"]
    line = keeping_revision_advice(values)
    for code in [add_values_code(values), *code_in(line)]:
        assert_compiles(code, line)


@only_on("postgresql", why="only PostgreSQL keeps enum types of its own, in an order of theirs")
def test_enum_values_added_by_hand_are_advised_in_their_places(database: ServerDatabase) -> None:
    # `ADD VALUE 'mid' BEFORE 'high'` by hand was advised as `ADD VALUE IF NOT EXISTS 'mid'`,
    # which appends it: the order still differed, and the check stayed exit 9 for ever.
    from alembic_steward.catalog import Difference
    from alembic_steward.inspection._enum_value_revision import add_values_code
    from alembic_steward.inspection._enum_values import enum_values_added

    facts = (("values", "'low', 'high'", "'min', 'low', 'mid', 'high', 'top'"),)
    added = enum_values_added([Difference("enum type", "level_t", "different", facts)])
    code = add_values_code(added)
    assert_compiles(code, code)
    database.query("CREATE TYPE level_t AS ENUM ('low', 'high')")
    for statement in re.findall(r'op\.execute\("([^"]*)"\)', code):
        database.query(statement)
    order = (
        "SELECT enumlabel FROM pg_enum WHERE enumtypid = 'level_t'::regtype ORDER BY enumsortorder"
    )
    assert [row[0] for row in database.query(order)] == ["min", "low", "mid", "high", "top"], code
