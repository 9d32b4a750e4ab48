"""Replace the CHECK constraint a column's type brings, when autogenerate changes that type.

A non-native `Enum(..., create_constraint=True)` (or a `Boolean` with one) is a plain column
and a CHECK constraint named after the type. Autogenerate reflects the column's type as
VARCHAR, so its `alter_column` to the new Enum drops no constraint and then adds the new
CHECK under the name the old one still holds: PostgreSQL and MariaDB refuse the duplicate,
and the revision fails. So that `alter_column` drops the old CHECK, read from the database,
first, and its downgrade creates it again with the database's own text. SQLite's batch
rebuild replaces the table with its constraints in the upgrade; but in the downgrade, the
`alter_column` back to the reflected VARCHAR drops the Enum's CHECK with the Enum, and nothing
made it again: there too the downgrade creates it again, in the same batch.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import render
from alembic.operations import ops


class TypeCheckAlterColumnOp(ops.AlterColumnOp):
    """An `alter_column` rendered with the CHECK its new type replaces, ``replaced`` (name,
    condition as the database reads it): dropped before it in the upgrade, created again
    after it in the downgrade (``downgrade``). ``drop_own``: the CHECK its existing type
    brings is dropped by name first too, as Alembic's MySQL/MariaDB alter_column never drops a
    type's CHECK itself."""

    replaced: tuple[str, str] = ("", "")
    downgrade = False
    drop_own = False
    # SQLite: the batch copy replaces the CHECK in the upgrade; only the downgrade needs it.
    drop_replaced = True

    def reverse(self) -> TypeCheckAlterColumnOp:
        reversed_ = super().reverse()
        reversed_.replaced, reversed_.drop_own = self.replaced, self.drop_own
        reversed_.drop_replaced = self.drop_replaced
        reversed_.downgrade = not self.downgrade
        return reversed_


@render.renderers.dispatch_for(TypeCheckAlterColumnOp)
def render_type_check_change(autogen_context: Any, operation: TypeCheckAlterColumnOp) -> list:
    from sqlalchemy import text
    from sqlalchemy.sql.elements import conv

    lines = render.renderers.dispatch(ops.AlterColumnOp)(autogen_context, operation)
    lines = lines if isinstance(lines, list) else [lines]
    table, schema = operation.table_name, operation.schema
    name, condition = conv(operation.replaced[0]), operation.replaced[1]
    if not operation.downgrade and operation.drop_replaced or operation.drop_own:
        drop = ops.DropConstraintOp(name, table, "check", schema=schema)
        lines = [*render.render_op(autogen_context, drop), *lines]
    if operation.downgrade:
        create = ops.CreateCheckConstraintOp(name, table, text(condition), schema=schema)
        lines = [*lines, *render.render_op(autogen_context, create)]
    return lines


def drop_checks_the_new_type_replaces(upgrade_ops: Any, context: Any) -> bool:
    """Mark each `alter_column` whose new type adds a CHECK that the table already has by
    that name, so that it drops that CHECK first (and its downgrade creates it again);
    return whether any was."""
    if context is None or context.connection is None:
        return False
    marked = False
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        existing: dict[str, str] | None = None
        for operation in table_ops.ops:
            names = added_check_names(operation, context)
            if names and existing is None:
                existing = check_constraints(context, table_ops.table_name, table_ops.schema)
            replaced = [name for name in names if existing and name in existing]
            if replaced and existing is not None:
                operation.__class__ = TypeCheckAlterColumnOp
                operation.replaced = (replaced[0], existing[replaced[0]])
                operation.drop_own = context.dialect.name == "mysql"
                operation.drop_replaced = context.dialect.name != "sqlite"
                marked = True
    return marked


def added_check_names(operation: Any, context: Any) -> list[str]:
    """The names of the CHECK constraints an `alter_column` adds with its new type and does
    not drop with its existing one (Alembic's own alter_column does both by these names)."""
    from alembic.operations import ops

    if not isinstance(operation, ops.AlterColumnOp) or operation.modify_type is None:
        return []
    added = type_check_names(operation.modify_type, operation, context)
    dropped = type_check_names(operation.existing_type, operation, context)
    return [name for name in added if name not in dropped]


def type_check_names(type_: Any, operation: Any, context: Any) -> list[str]:
    """The CHECK constraints ``type_`` brings to its column, named as the models name them."""
    from sqlalchemy import CheckConstraint, Column, MetaData, Table

    if type_ is None:
        return []
    metadata = context.opts.get("target_metadata")
    convention = getattr(metadata, "naming_convention", None)
    scratch = MetaData(**({"naming_convention": convention} if convention else {}))
    column = Column(operation.column_name, type_.copy() if hasattr(type_, "copy") else type_)
    table = Table(operation.table_name, scratch, column, schema=operation.schema)
    compiler = context.dialect.statement_compiler(context.dialect, None)
    return [
        str(constraint.name)
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
        and constraint.name
        and (not constraint._create_rule or constraint._create_rule(compiler))
    ]


def check_constraints(context: Any, table: str, schema: str | None) -> dict[str, str]:
    """The table's CHECK constraints in the database: name -> the condition as it reads it."""
    from sqlalchemy import inspect

    found = inspect(context.connection).get_check_constraints(table, schema=schema)
    return {check["name"]: check["sqltext"] for check in found if check.get("name")}
