"""Keep a SQLite column's collation through a batch rebuild, in both directions.

`op.batch_alter_table` copies the table into a new one built from what SQLAlchemy reflects of
it, and SQLite's reflection reads no collation: a `COLLATE NOCASE` column came back without
it, in the upgrade and in the downgrade alike, and lookups that relied on it changed
meaning. So each batch block that rebuilds a table is given, as `reflect_args`, the columns
with a collation it does not touch itself, as the models define them: in the downgrade only
those the catalogs show unchanged (``agreed``), whose definition before the revision is the
models' too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic.autogenerate import render
from alembic.operations import ops

if TYPE_CHECKING:
    from sqlalchemy import Column, MetaData

    from alembic_steward.runtime._equal_objects import Agreement


# Said in the revision, beside what would otherwise look like a column left as it is.
KEPT_COMMENT = "# SQLite's reflection reads no collation: reflect_args keeps them in the copy"


class CollationKeepingTableOps(ops.ModifyTableOps):
    """A batch block rendered with ``kept`` (the columns whose collation the copy keeps) as
    its `reflect_args`."""

    kept: tuple[Column, ...] = ()


@render.renderers.dispatch_for(CollationKeepingTableOps)
def render_collation_keeping(autogen_context: Any, operation: CollationKeepingTableOps) -> list:
    lines = render.renderers.dispatch(ops.ModifyTableOps)(autogen_context, operation)
    if not lines or not autogen_context.opts.get("render_as_batch"):
        return lines
    columns = ", ".join(render._render_column(c, autogen_context) for c in operation.kept)
    # The reflected column lacks its collation: this one replaces it in the copy.
    lines[0] = lines[0].replace(") as batch_op:", f", reflect_args=[{columns}]) as batch_op:")
    return [KEPT_COMMENT, *lines]


def keep_collations_through_rebuilds(
    script: Any, dialect_name: str, metadata: MetaData, agreed: Agreement | None = None
) -> None:
    """Mark each batch block of ``script`` that rebuilds a SQLite table to keep its columns'
    collations (upgrade: every such column; downgrade: those ``agreed`` says are unchanged)."""
    if dialect_name != "sqlite":
        return

    def unchanged(column: Column) -> bool:
        key = ("column", column.table.schema, column.table.name, column.name)
        return agreed is None or key in agreed.equal

    for operations, keep in ((script.upgrade_ops, None), (script.downgrade_ops, unchanged)):
        for table_ops in operations.ops:
            kept = collated_columns(table_ops, metadata)
            kept = tuple(c for c in kept if keep is None or keep(c))
            if kept:
                table_ops.__class__ = CollationKeepingTableOps
                table_ops.kept = tuple(map(definition, kept))


def collated_columns(table_ops: Any, metadata: MetaData) -> list[Column]:
    """The models' columns with a collation on the table ``table_ops`` rebuilds, but for those
    the block adds, drops or alters itself (it says their definition)."""
    from alembic_steward.runtime._computed_columns import touched_columns
    from alembic_steward.runtime._rebuilt_indexes import rebuilds

    if not isinstance(table_ops, ops.ModifyTableOps) or not rebuilds(table_ops):
        return []
    schema, name = table_ops.schema, table_ops.table_name
    table = metadata.tables.get(f"{schema}.{name}" if schema else name)
    if table is None:
        return []
    touched = touched_columns(table_ops)
    return [
        column
        for column in table.c
        if getattr(column.type, "collation", None)
        and column.computed is None
        and not column.primary_key
        and column.name not in touched
    ]


def definition(column: Column) -> Column:
    """The column as the copy should make it, without what belongs to the table (its keys)."""
    from sqlalchemy import Column

    default = column.server_default
    return Column(column.name, column.type, nullable=column.nullable, server_default=default)
