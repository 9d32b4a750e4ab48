"""Find the operations in a generated revision that can lose data, so `db.revision` can warn."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def destructive_operations(operations: Iterable[Any]) -> Iterator[str]:
    """Yield a description of each drop or type change among autogenerate's ``operations``."""
    from alembic.operations import ops

    for operation in operations:
        if isinstance(operation, ops.DropTableOp):
            yield f"drop table {operation.table_name}"
        elif isinstance(operation, ops.DropColumnOp):
            yield f"drop column {operation.table_name}.{operation.column_name}"
        elif isinstance(operation, ops.AlterColumnOp) and operation.modify_type is not None:
            yield (
                f"change type of {operation.table_name}.{operation.column_name}"
                f" to {operation.modify_type}"
            )
        elif isinstance(operation, ops.ModifyTableOps):
            yield from destructive_operations(operation.ops)


class DestructiveOperationCollector:
    """A `process_revision_directives` hook that remembers the destructive operations it saw."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def __call__(self, context: Any, revision: Any, directives: list[Any]) -> None:
        for script in directives:
            for upgrade_ops in script.upgrade_ops_list:
                self.found.extend(destructive_operations(upgrade_ops.ops))
