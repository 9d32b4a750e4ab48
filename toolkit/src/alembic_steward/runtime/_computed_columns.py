"""Carry a SQLite table's generated columns through a batch rebuild.

`op.batch_alter_table` copies the table into a new one with `INSERT INTO new (every column)
SELECT every column FROM old`, generated columns included, and SQLite refuses that ("cannot
INSERT into generated column"): any change to such a table failed, and so did the same
change written by hand. Alembic leaves a column out of the copy when the batch drops it and
adds it again, so each generated column of a rebuilt table is dropped and added again in the
same batch, at its place (`insert_after`), and SQLite computes it anew from the copied rows.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import render
from alembic.operations import ops

# What the lint would say of the drop, were the column not added again in the same block.
CARRIED_DROP_RULES = ("ban-drop-column", "contract-operation-in-expand")


class PlacedAddColumnOp(ops.AddColumnOp):
    """A batch `add_column` rendered with the column it goes after (``insert_after``)."""


@render.renderers.dispatch_for(PlacedAddColumnOp)
def render_placed_column(autogen_context: Any, operation: PlacedAddColumnOp) -> str:
    text = render.renderers.dispatch(ops.AddColumnOp)(autogen_context, operation)
    return f"{text[:-1]}, insert_after={operation.kw['insert_after']!r})"


class CarriedDropColumnOp(ops.DropColumnOp):
    """A batch `drop_column` of a generated column the same block adds again: no drop for the
    lint (its own line says so), nor for the previous release's code."""


@render.renderers.dispatch_for(CarriedDropColumnOp)
def render_carried_drop(autogen_context: Any, operation: CarriedDropColumnOp) -> list[str]:
    text = render.renderers.dispatch(ops.DropColumnOp)(autogen_context, operation)
    return [
        "# SQLite cannot copy a generated column: left out of the copy, then added again",
        f"{text}  # lint: allow {' '.join(CARRIED_DROP_RULES)}",
    ]


def keep_generated_columns_through_rebuilds(script: Any, context: Any, metadata: Any) -> None:
    """In each batch block of ``script`` that rebuilds a SQLite table, drop and add again the
    generated columns both the models and the database have and the block does not touch
    itself: as the models define them in the upgrade, as the database does in the downgrade."""
    from sqlalchemy import inspect

    from alembic_steward.runtime._rebuilt_indexes import rebuilds
    from alembic_steward.runtime._sqlite_generated import (
        fill_generated_expressions,
        read_generated_expressions_whole,
    )

    if context is None or context.dialect.name != "sqlite" or context.connection is None:
        return
    read_generated_expressions_whole()  # the revision's trial rebuilds in this process
    inspector = inspect(context.connection)
    for operations, upgrade in ((script.upgrade_ops, True), (script.downgrade_ops, False)):
        for table_ops in operations.ops:
            if not isinstance(table_ops, ops.ModifyTableOps) or not rebuilds(table_ops):
                continue
            table = metadata.tables.get(table_ops.table_name)
            if table is None or table_ops.schema:
                continue
            reflected = inspector.get_columns(table_ops.table_name)
            fill_generated_expressions(context.connection, table_ops.table_name, reflected)
            live = {c["name"]: c for c in reflected}
            carried = carried_columns(table, live, touched_columns(table_ops))
            for name, after in carried:
                column = table.c[name] if upgrade else reflected_column(live[name])
                table_ops.ops.insert(0, CarriedDropColumnOp(table_ops.table_name, name))
                table_ops.ops.append(
                    ops.AddColumnOp(table_ops.table_name, column)
                    if after is None
                    else PlacedAddColumnOp(table_ops.table_name, column, insert_after=after)
                )


def carried_columns(
    table: Any, live: dict[str, Any], touched: set[str]
) -> list[tuple[str, str | None]]:
    """(name, the column to add it after) of each generated column to carry, in the table's
    order: generated on both sides, untouched, and with a column before it on both sides.

    A run of carried columns at the table's end is added there without a place: Alembic finds
    a place after a column the batch itself added only when a kept column follows (else
    KeyError), and appends unplaced columns in the order they are added."""
    carried: list[tuple[str, str | None]] = []
    before = None
    for column in table.c:
        reflected = live.get(column.name)
        if reflected is None:
            continue
        generated = column.computed is not None and reflected.get("computed")
        if generated and column.name not in touched and before is not None:
            carried.append((column.name, before))
        before = column.name
    names = {name for name, _after in carried}
    kept = [c.name for c in table.c if c.name in live and c.name not in names | touched]
    last_kept = max((index for index, c in enumerate(table.c) if c.name in kept), default=-1)
    order = {c.name: index for index, c in enumerate(table.c)}
    return [
        (name, None if after in names and order[name] > last_kept else after)
        for name, after in carried
    ]


def touched_columns(table_ops: Any) -> set[str]:
    """The columns the block adds, drops or alters itself."""
    touched = set()
    for operation in table_ops.ops:
        if isinstance(operation, ops.AddColumnOp):
            touched.add(operation.column.name)
        elif isinstance(operation, ops.DropColumnOp | ops.AlterColumnOp):
            touched.add(operation.column_name)
    return touched


def reflected_column(reflected: dict[str, Any]) -> Any:
    """A Column as the database has it, generated expression included."""
    from sqlalchemy import Column, Computed

    computed = reflected["computed"]
    return Column(
        reflected["name"],
        reflected["type"],
        Computed(computed["sqltext"], persisted=computed.get("persisted")),
        nullable=reflected.get("nullable", True),
    )
