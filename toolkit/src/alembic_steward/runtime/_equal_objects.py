"""Drop what autogenerate writes for objects the catalogs prove unchanged.

Alembic's comparison has blind spots that its catalog-level twin does not: on MariaDB a
`Float(53)` reads back as DOUBLE and an identity column as a changed default, and on SQLite and
MariaDB a descending index reads back ascending, so autogenerate writes an `alter_column`, or a
`drop_index` and `create_index`, for an object that is the same in the models and the database.
Those ride along with every real change (and the identity one fails on MariaDB). `inv
db.revision` compares the two catalogs first (tasks/_revision_checks.py) and hands over the
keys of the objects both describe alike; an operation on one of those is dropped. Only an
object found on both sides and equal is proof: an operation whose object is not found is kept.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

# Set in a config's attributes by `inv db.revision`: the catalog keys (kind, schema, owner,
# name) of the objects the models and the database describe alike.
EQUAL_OBJECTS = "alembic_steward.equal_objects"


def equal_keys(models: Any, live: Any) -> frozenset[tuple]:
    """The keys, without schema case, of the objects both catalogs hold with equal facts."""
    both = models.objects.keys() & live.objects.keys()
    return frozenset(normal_key(key) for key in both if models.objects[key] == live.objects[key])


def normal_key(key: tuple) -> tuple:
    kind, schema, owner, name = key
    return (kind, schema or None, owner, name)


def forget_operations_on_equal_objects(upgrade_ops: Any, equal: Collection[tuple]) -> bool:
    """Remove from ``upgrade_ops`` the column changes and index drop-and-create pairs whose
    object is in ``equal``; return whether any was removed."""
    from alembic.operations import ops

    removed = False
    for table_ops in list(upgrade_ops.ops):
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        schema, table = table_ops.schema or None, table_ops.table_name
        recreated = index_names(table_ops, ops.DropIndexOp) & index_names(
            table_ops, ops.CreateIndexOp
        )
        kept = []
        for operation in table_ops.ops:
            if isinstance(operation, ops.AlterColumnOp):
                same = ("column", schema, table, operation.column_name) in equal
            elif isinstance(operation, (ops.DropIndexOp, ops.CreateIndexOp)):
                name = operation.index_name
                same = name in recreated and ("index", schema, table, name) in equal
            else:
                same = False
            removed |= same
            if not same:
                kept.append(operation)
        table_ops.ops = kept
        if not kept:
            upgrade_ops.ops.remove(table_ops)
    return removed


def index_names(table_ops: Any, kind: type) -> set[str]:
    return {op.index_name for op in table_ops.ops if isinstance(op, kind) and op.index_name}
