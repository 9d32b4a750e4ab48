"""The exact `op.` calls that drop a CHECK constraint and create it again with the models' text.

Autogenerate writes no operation for a CHECK constraint whose text changed, so the advice names
the calls. Under a naming convention for "ck" that holds `%(constraint_name)s` (the bake's is
`ck_%(table_name)s_%(constraint_name)s`), the two calls name it differently: the drop takes the
full name as it is in the database, marked final with `op.f()`, and the create the models' own
short name, which the convention prefixes again. The full name given to the create would come
out prefixed twice (`ck_orders_ck_orders_positive_qty`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import CheckConstraint, ColumnElement, MetaData, Table

    from alembic_steward.catalog import Difference

# Stands in for the constraint's own name when the convention is rendered, to find its place.
PLACE = "\0"


def check_constraint_calls(
    difference: Difference, metadata: MetaData | None, *, dialect: str
) -> str | None:
    """The drop and create calls for ``difference``, a changed CHECK constraint of the models
    in ``metadata``, for ``dialect`` (SQLite's in a batch); None when the models do not hold
    it by that name."""
    found = models_check(difference, metadata, dialect)
    if found is None:
        return None
    name, schema, created, text, full_name = found
    on = f"{name}{schema}"  # the schema a keyword: create_check_constraint's is after the text
    dropped = f"op.f({json.dumps(full_name)})"
    if dialect == "sqlite":
        return (
            f"`with op.batch_alter_table({on}) as batch_op:` then"
            f' `batch_op.drop_constraint({dropped}, type_="check")` and'
            f" `batch_op.create_check_constraint({created}, {text})`; write the reverse in"
            " downgrade()"
        )
    return (
        f'`op.drop_constraint({dropped}, {on}, type_="check")`, then'
        f" `op.create_check_constraint({created}, {name}, {text}{schema})`; write"
        " the reverse in"
        " downgrade()"
    )


def check_constraint_create_call(
    difference: Difference, metadata: MetaData | None, *, dialect: str
) -> str | None:
    """The create call for ``difference``, a CHECK constraint of the models in ``metadata`` that
    the migrations lack, named as the convention wants it, for ``dialect`` (SQLite's in a
    batch); None when the models do not hold it by that name."""
    found = models_check(difference, metadata, dialect)
    if found is None:
        return None
    name, schema, created, text, full_name = found
    on = f"{name}{schema}"  # the schema a keyword: create_check_constraint's is after the text
    dropped = f"op.f({json.dumps(full_name)})"
    if dialect == "sqlite":
        return (
            f"`with op.batch_alter_table({on}) as batch_op:` then"
            f" `batch_op.create_check_constraint({created}, {text})`; in downgrade() the same"
            f' batch with `batch_op.drop_constraint({dropped}, type_="check")`'
        )
    return (
        f"`op.create_check_constraint({created}, {name}, {text}{schema})`; in"
        " downgrade()"
        f' `op.drop_constraint({dropped}, {on}, type_="check")`'
    )


def models_check(
    difference: Difference, metadata: MetaData | None, dialect: str
) -> tuple[str, str, str, str, str] | None:
    """For ``difference``'s CHECK constraint in the models' ``metadata``, the call arguments as
    written: (the table's name, `, schema="..."` or nothing, the name to create it by, its SQL
    text on ``dialect``, its full name); None when the models do not hold it by that name."""
    table_path, _, full_name = difference.subject.rpartition(".")
    table = metadata.tables.get(table_path) if metadata is not None else None
    constraint = named_check(table, full_name) if table is not None else None
    if metadata is None or table is None or constraint is None:
        return None
    schema = f", schema={json.dumps(table.schema)}" if table.schema else ""
    created = creation_name(metadata, table.name, full_name)
    text = json.dumps(expression_sql(constraint.sqltext, dialect))
    return json.dumps(table.name), schema, created, text, full_name


def expression_sql(expression: ColumnElement[Any], dialect: str) -> str:
    """``expression`` as the database's DDL writes it: values inline (a non-native Enum's IN
    list would otherwise be a `__[POSTCOMPILE_param_1]` placeholder no database parses) and
    columns without their table (a batch copies the table under another name)."""
    from sqlalchemy.dialects import registry

    compiled = expression.compile(
        dialect=registry.load(dialect)(),
        compile_kwargs={"literal_binds": True, "include_table": False},
    )
    return str(compiled)


def named_check(table: Table, name: str) -> CheckConstraint | None:
    """``table``'s CHECK constraint ``name``, its own or a column's (`mapped_column(...,
    CheckConstraint(...))`, which SQLAlchemy keeps on the column alone)."""
    from sqlalchemy import CheckConstraint

    columns = [constraint for column in table.columns for constraint in column.constraints]
    for constraint in [*table.constraints, *columns]:
        if isinstance(constraint, CheckConstraint) and constraint.name == name:
            return constraint
    return None


def creation_name(metadata: MetaData, table: str, full_name: str) -> str:
    """What to give `create_check_constraint` so that the constraint comes out as
    ``full_name``: the short name inside the metadata's "ck" convention, else ``full_name``
    marked final (no convention, or one that names it by more than table and name)."""
    from sqlalchemy import CheckConstraint

    convention = metadata.naming_convention.get(
        "ck", metadata.naming_convention.get(CheckConstraint)
    )
    final = f"op.f({json.dumps(full_name)})"
    if not isinstance(convention, str) or "%(constraint_name)s" not in convention:
        return final
    try:
        rendered = convention % {"table_name": table, "constraint_name": PLACE}
    except (KeyError, TypeError, ValueError):  # it names the constraint by more than these
        return final
    prefix, _, suffix = rendered.partition(PLACE)
    fits = full_name.startswith(prefix) and full_name.endswith(suffix) and PLACE not in suffix
    if not fits or len(full_name) <= len(prefix) + len(suffix):
        return final
    return json.dumps(full_name[len(prefix) : len(full_name) - len(suffix)])
