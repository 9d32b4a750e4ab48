"""Give back, after a SQLite batch rebuild, the indexes the rebuild cannot copy.

On SQLite, `op.batch_alter_table` copies a table into a new one and creates its indexes again
from what SQLAlchemy reflects of them, and SQLite's reflection drops what is not a plain
column: a descending index comes back ascending, an expression index does not come back at
all (partial indexes survive: their WHERE clause is reflected). A revision that alters such a
table would build another schema than the models'. So after each rebuild of a table, the
revision drops what is left of each such index and creates it again as the models define it;
the drop is raw SQL (`DROP INDEX IF EXISTS`) because the rebuild may have dropped it already,
and so that the lint does not read restoring an index as removing one.

Autogenerate leaves such an index out of a new table's revision too (it cannot reflect one to
compare, so it skips it with a warning): for a table the revision creates, it is created after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Index, MetaData

    from alembic_steward.runtime._equal_objects import Agreement


def restore_rebuilt_indexes(
    script: Any, dialect_name: str, metadata: MetaData, agreed: Agreement | None = None
) -> None:
    """After each batch block of ``script`` that rebuilds a SQLite table, recreate the
    models' indexes on it that the rebuild loses, and keep its columns' collations
    (runtime/_batch_collations.py). In the downgrade only those the catalogs do not show
    changed (``agreed``), whose definition before the revision is the models' too."""
    if dialect_name != "sqlite":
        return
    touched = touched_indexes(script.upgrade_ops) | touched_indexes(script.downgrade_ops)
    restore_after_rebuilds(script.upgrade_ops, metadata, touched, lambda index: True, created=True)

    def unchanged(index: Index) -> bool:
        key = ("index", index.table.schema, index.table.name, index.name)
        return agreed is None or key in agreed.equal

    restore_after_rebuilds(script.downgrade_ops, metadata, touched, unchanged)
    # A rebuild loses its columns' collations too, kept the same way.
    from alembic_steward.runtime._batch_collations import keep_collations_through_rebuilds

    keep_collations_through_rebuilds(script, dialect_name, metadata, agreed)


def restore_after_rebuilds(
    operations: Any, metadata: MetaData, touched: set, keep: Any, *, created: bool = False
) -> None:
    """Insert the restoring operations after each rebuild in ``operations`` (and, when
    ``created``, the lost indexes after each table created), for the indexes ``keep`` accepts."""
    from alembic.operations import ops

    restored: list[Any] = []
    for operation in operations.ops:
        restored.append(operation)
        rebuilt = isinstance(operation, ops.ModifyTableOps) and rebuilds(operation)
        if not (rebuilt or created and isinstance(operation, ops.CreateTableOp)):
            continue
        if rebuilt:
            restored += out_of_the_rebuild(operation)
        schema, name = operation.schema, operation.table_name
        table = metadata.tables.get(f"{schema}.{name}" if schema else name)
        for index in sorted(lost_indexes(table), key=lambda index: str(index.name)):
            if (schema, name, index.name) in touched or not keep(index):
                continue
            if rebuilt:
                where = f'"{schema}".' if schema else ""
                restored.append(ops.ExecuteSQLOp(f'DROP INDEX IF EXISTS {where}"{index.name}"'))
            restored.append(ops.CreateIndexOp.from_index(index))
    operations.ops[:] = restored


def out_of_the_rebuild(table_ops: Any) -> list[Any]:
    """Take out of ``table_ops`` (a block that rebuilds its table) the indexes it creates on
    more than plain columns, and return them, to be created after the block: Alembic's rebuild
    creates a new index from its column names, and an expression's or an order's
    (`name ASC`) is none (KeyError: 'name ASC')."""
    from alembic.operations import ops

    def on_expressions(operation: Any) -> bool:
        return isinstance(operation, ops.CreateIndexOp) and not on_columns(operation.to_index())

    moved = [operation for operation in table_ops.ops if on_expressions(operation)]
    table_ops.ops[:] = [operation for operation in table_ops.ops if not on_expressions(operation)]
    return moved


def rebuilds(table_ops: Any) -> bool:
    """Whether Alembic's batch mode rebuilds the table for these operations on SQLite: for any
    but creating or dropping an index and adding a column without an SQL-expression default
    or a stored generated value (Alembic's `SQLiteImpl.requires_recreate_in_batch`)."""
    from alembic.operations import ops
    from sqlalchemy import Computed, DefaultClause
    from sqlalchemy.sql import ClauseElement

    for operation in table_ops.ops:
        if isinstance(operation, ops.CreateIndexOp | ops.DropIndexOp):
            continue
        if not isinstance(operation, ops.AddColumnOp):
            return True
        default = operation.column.server_default
        if isinstance(default, DefaultClause) and isinstance(default.arg, ClauseElement):
            return True
        if isinstance(default, Computed) and default.persisted:
            return True
    return False


def lost_indexes(table: Any) -> list[Index]:
    """The table's indexes with something other than plain columns (an order, an expression)."""
    if table is None:
        return []
    return [index for index in table.indexes if index.name and not on_columns(index)]


def on_columns(index: Index) -> bool:
    """Whether ``index`` is on plain columns only, what a rebuild can copy."""
    from sqlalchemy import Column

    return all(isinstance(expr, Column) for expr in index.expressions)


def touched_indexes(operations: Any) -> set[tuple[Any, ...]]:
    """(schema, table, name) of each index the operations create or drop themselves."""
    from alembic.operations import ops

    touched = set()
    for operation in operations.ops:
        inner = operation.ops if isinstance(operation, ops.ModifyTableOps) else [operation]
        for each in inner:
            if isinstance(each, ops.CreateIndexOp | ops.DropIndexOp):
                touched.add((each.schema, each.table_name, each.index_name))
    return touched
