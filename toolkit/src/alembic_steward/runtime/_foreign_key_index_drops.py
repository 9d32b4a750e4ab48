"""On MySQL/MariaDB, a dropped index that is the only one serving a foreign key: the foreign
key is dropped before it and made again after it.

InnoDB refuses to drop the index a foreign key uses (`Cannot drop index ...: needed in a
foreign key constraint`). Whether another index serves the key depends on the database's
history: upgraded live, InnoDB dropped the index it made for the key once the new index covered
it; restored from a dump, the dump's typed copy stayed. Creating that index again in the
revision fails on the dump's database (duplicate key name); dropping and making the foreign key
again works on both, as InnoDB makes an index for it only when none serves it
(docs/decisions.md, "The index a foreign key made is never described").
"""

from __future__ import annotations

from typing import Any

DIALECTS = ("mysql", "mariadb")


def keep_foreign_keys_served(operations: Any, dialect_name: str, context: Any) -> None:
    """Around each index drop of ``operations`` that leaves a named foreign key of the models'
    table without an index or primary key beginning with its columns, drop that foreign key
    before and make it again after."""
    from alembic.operations import ops

    metadata = getattr(context, "opts", {}).get("target_metadata") if context else None
    if dialect_name not in DIALECTS or metadata is None:
        return
    tables = {
        (table.schema, table.name): table
        for each in (metadata if isinstance(metadata, list | tuple) else [metadata])
        for table in each.tables.values()
    }
    for table_ops in operations.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        table = tables.get((table_ops.schema, table_ops.table_name))
        if table is None:
            continue
        dropped = {op.index_name for op in table_ops.ops if isinstance(op, ops.DropIndexOp)}
        # A foreign key the same operations drop, make or take a column of is theirs to order.
        handled = {
            op.constraint_name
            for op in table_ops.ops
            if isinstance(op, ops.DropConstraintOp | ops.CreateForeignKeyOp)
        }
        changed_columns = {
            op.column_name if isinstance(op, ops.DropColumnOp) else op.column.name
            for op in table_ops.ops
            if isinstance(op, ops.DropColumnOp | ops.AddColumnOp)
        }
        remaining = [list(table.primary_key.columns.keys())] + [
            [column.name for column in index.columns]
            for index in table.indexes
            if index.name not in dropped
        ]
        result = []
        for operation in table_ops.ops:
            unserved = []
            if isinstance(operation, ops.DropIndexOp):
                unserved = [
                    key
                    for key in table.foreign_key_constraints
                    if key.name
                    and key.name not in handled
                    and not changed_columns & set(key.column_keys)
                    and not served(list(key.column_keys), remaining)
                ]
            result += [ops.DropConstraintOp.from_constraint(key) for key in unserved]
            result.append(operation)
            result += [ops.CreateForeignKeyOp.from_constraint(key) for key in unserved]
            # Made again after this drop, each is served by the index InnoDB makes for it.
            remaining += [list(key.column_keys) for key in unserved]
        table_ops.ops = result


def served(columns: list[str], keys: list[list[str]]) -> bool:
    """Whether one of ``keys`` (each a key's columns in order) begins with ``columns``."""
    return any(key[: len(columns)] == columns for key in keys)
