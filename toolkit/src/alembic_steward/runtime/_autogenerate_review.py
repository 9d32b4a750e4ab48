"""What autogenerate compares, and the corrections its findings get before anyone sees them.

Shared by env.py (`inv db.revision`, `alembic revision --autogenerate`) and drift.py (`inv
db.check`, `inv db.status`, the baked tests), so a revision holds exactly the drift they report.
"""

from __future__ import annotations

import importlib.util
import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from alembic_steward.runtime._model_modules import import_model_modules

if TYPE_CHECKING:
    from alembic_steward.runtime._equal_objects import Agreement

logger = logging.getLogger("alembic.env")

# compare_server_default: a changed server default is drift, on every database.
COMPARE_OPTIONS = {"compare_type": True, "compare_server_default": True}

CHECK_CONSTRAINT_PLUGIN = "alembic.ext.checkconstraint_byname"

# Spellings one database reflects for what a model wrote another way (MariaDB: `false` is `0`,
# `now()` is `current_timestamp()`); seen as equal, they are no drift.
SAME_DEFAULT = {
    "false": "0",
    "true": "1",
    "now()": "current_timestamp",
    "current_timestamp()": "current_timestamp",
}


def comparison_options(dialect_name: str) -> dict[str, Any]:
    """Prepare the comparison on ``dialect_name`` and return its `context.configure` options."""
    from alembic_steward.runtime._bookkeeping import model_schemas

    prepare_comparison(dialect_name)
    options: dict[str, Any] = dict(COMPARE_OPTIONS)
    if importlib.util.find_spec("alembic.ext.checkconstraint_byname") is not None:
        # Opt-in in Alembic: named CHECK constraints are written into revisions, not left out.
        options["autogenerate_plugins"] = ["alembic.autogenerate.*", CHECK_CONSTRAINT_PLUGIN]
    if model_schemas():
        # Tables in other schemas are compared there (include_name keeps to the models' own).
        options["include_schemas"] = True
    return options


def prepare_comparison(dialect_name: str) -> None:
    """Register every model and, on PostgreSQL, the comparison of enum types and the reading of
    sequence defaults in other schemas (runtime/_sequence_default_schemas.py)."""
    import_model_modules()
    if dialect_name == "postgresql":
        from alembic_steward.runtime._sequence_default_schemas import (
            read_sequence_defaults_as_the_server_has_them,
        )

        read_sequence_defaults_as_the_server_has_them()
        try:
            # Importing it registers its comparators and operations (create/alter/drop TYPE).
            import alembic_postgresql_enum  # noqa: F401
        except ImportError:
            logger.warning(
                "alembic-postgresql-enum is not installed: changes to enum types go unseen;"
                " `pip install alembic-postgresql-enum` (PostgreSQL bakes depend on it)"
            )


def review_operations(
    script: Any, dialect: Any, agreed: Agreement | None = None, context: Any = None
) -> None:
    """Drop server-default changes that are only spelling, and changes to what ``agreed`` says
    the catalogs describe alike (runtime/_equal_objects.py); order drops so they apply; write
    identity changes and a type's CHECK so they apply (runtime/_identity_changes.py,
    runtime/_type_checks.py; ``context``, the MigrationContext autogenerate compared in)."""
    from alembic_steward.runtime._equal_objects import forget_operations_on_equal_objects
    from alembic_steward.runtime._foreign_key_index_drops import keep_foreign_keys_served
    from alembic_steward.runtime._identity_changes import mark_identity_changes
    from alembic_steward.runtime._type_checks import drop_checks_the_new_type_replaces

    upgrade_ops, downgrade_ops = script.upgrade_ops, script.downgrade_ops
    reordered = forget_equivalent_server_defaults(upgrade_ops, dialect)
    reordered |= forget_operations_on_equal_objects(upgrade_ops, agreed, dialect.name)
    reordered |= drop_tables_after_their_dependents(upgrade_ops)
    reordered |= drop_foreign_keys_before_their_indexes(upgrade_ops)
    reordered |= drop_checks_the_new_type_replaces(upgrade_ops, context)
    if reordered:
        # The downgrade is the upgrade reversed, as autogenerate itself makes it.
        upgrade_ops.reverse_into(downgrade_ops)
    for operations in (upgrade_ops, downgrade_ops):
        leave_indexes_to_their_table_drop(operations)
        keep_foreign_keys_served(operations, dialect.name, context)
        # Rendered with the identity they change, so that they apply (sqlalchemy/alembic#730).
        mark_identity_changes(operations, dialect.name)


def drop_rank(operation: Any) -> int | None:
    """Where a drop goes among one table's drops: foreign keys, constraints, indexes, columns.

    A foreign key goes before the index that serves it (MySQL/MariaDB refuse to drop an index
    a foreign key needs), and both before the column they cover.
    """
    from alembic.operations import ops

    if isinstance(operation, ops.DropConstraintOp):
        return 0 if operation.constraint_type == "foreignkey" else 1
    if isinstance(operation, ops.DropIndexOp):
        return 2
    if isinstance(operation, ops.DropColumnOp):
        return 3
    return None


def drop_foreign_keys_before_their_indexes(upgrade_ops: Any) -> bool:
    """Order each table's drops by drop_rank, its other operations staying where they are."""
    from alembic.operations import ops

    moved = False
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        slots = [i for i, op in enumerate(table_ops.ops) if drop_rank(op) is not None]
        drops = [table_ops.ops[i] for i in slots]
        ordered = sorted(drops, key=drop_rank)
        if ordered != drops:
            moved = True
            for slot, operation in zip(slots, ordered, strict=True):
                table_ops.ops[slot] = operation
    return moved


def leave_indexes_to_their_table_drop(operations: Any) -> None:
    """Remove index drops of a table that the same operations drop: DROP TABLE drops them.

    Dropping such an index first fails on MySQL/MariaDB when a foreign key needs it.
    """
    from alembic.operations import ops

    dropped = {op.table_name for op in operations.ops if isinstance(op, ops.DropTableOp)}
    for table_ops in list(operations.ops):
        if isinstance(table_ops, ops.ModifyTableOps) and table_ops.table_name in dropped:
            table_ops.ops = [op for op in table_ops.ops if not isinstance(op, ops.DropIndexOp)]
            if not table_ops.ops:
                operations.ops.remove(table_ops)


def forget_equivalent_server_defaults(upgrade_ops: Any, dialect: Any) -> bool:
    """Remove each server-default change whose two sides mean the same; True if any went."""
    from alembic.operations import ops

    changed = False
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        for alter in list(table_ops.ops):
            if not isinstance(alter, ops.AlterColumnOp) or alter.modify_server_default is False:
                continue
            numeric = is_numeric(alter.existing_type)
            before = default_sql(alter.existing_server_default, dialect, numeric)
            after = default_sql(alter.modify_server_default, dialect, numeric)
            if before is not None and before == after:
                alter.modify_server_default = False
                changed = True
                if not alter.has_changes():
                    table_ops.ops.remove(alter)
    upgrade_ops.ops[:] = [op for op in upgrade_ops.ops if not is_empty_table_ops(op)]
    return changed


def is_empty_table_ops(operation: Any) -> bool:
    from alembic.operations import ops

    return isinstance(operation, ops.ModifyTableOps) and operation.is_empty()


def is_numeric(column_type: Any) -> bool:
    from sqlalchemy import Integer, Numeric

    return isinstance(column_type, Integer | Numeric)


def default_sql(default: Any, dialect: Any, numeric: bool) -> str | None:
    """A server default as comparable text: unquoted, unparenthesised, one spelling."""
    if default is None or not hasattr(default, "arg"):
        return None
    arg = default.arg
    if isinstance(arg, str):
        text = f"'{arg}'"
    else:
        text = str(arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        # A quoted literal keeps its case: 'Abc' and 'abc' are different defaults.
        text = text[1:-1]
    else:
        text = SAME_DEFAULT.get(text.lower(), text.lower())
    if numeric:
        try:
            return str(Decimal(SAME_DEFAULT.get(text.lower(), text)).normalize())
        except InvalidOperation:
            pass
    return text


def drop_tables_after_their_dependents(upgrade_ops: Any) -> bool:
    """Move table drops after every other change, children before parents; True if moved.

    Autogenerate drops removed tables in no particular order and before it changes the tables
    that remain, so a parent could be dropped while a child (or a foreign key about to be
    removed) still refers to it, which PostgreSQL and MariaDB refuse.
    """
    from alembic.operations import ops

    dropped = {op.table_name for op in upgrade_ops.ops if isinstance(op, ops.DropTableOp)}
    if not dropped:
        return False
    table_slots = [
        index
        for index, op in enumerate(upgrade_ops.ops)
        if isinstance(op, ops.ModifyTableOps | ops.DropTableOp | ops.CreateTableOp)
    ]
    table_ops = [upgrade_ops.ops[index] for index in table_slots]
    kept = [op for op in table_ops if op.table_name not in dropped]
    removal = [op for op in table_ops if op.table_name in dropped]
    ordered = kept + dropping_order(removal)
    if ordered == table_ops:
        return False
    for index, op in zip(table_slots, ordered, strict=True):
        upgrade_ops.ops[index] = op
    return True


def dropping_order(removal: list[Any]) -> list[Any]:
    """Order the removed tables' operations so that a table goes after every table naming it."""
    from alembic.operations import ops

    drops = {op.table_name: op for op in removal if isinstance(op, ops.DropTableOp)}
    parents = {name: referred_tables(drop) & drops.keys() - {name} for name, drop in drops.items()}
    order: list[str] = []

    def visit(name: str, seen: frozenset[str]) -> None:
        if name in order or name in seen:
            return
        # Children first: every table that refers to ``name`` is dropped before it.
        for child, its_parents in parents.items():
            if name in its_parents:
                visit(child, seen | {name})
        order.append(name)

    for name in sorted(drops):
        visit(name, frozenset())
    # Each table's own changes (its indexes, its constraints) stay just before its drop.
    return sorted(removal, key=lambda op: (order.index(op.table_name), op is drops[op.table_name]))


def referred_tables(drop: Any) -> set[str]:
    """The tables a dropped table's foreign keys point to."""
    from sqlalchemy import ForeignKeyConstraint

    table = drop.to_table()
    return {
        constraint.elements[0].target_fullname.split(".")[-2]
        for constraint in table.constraints
        if isinstance(constraint, ForeignKeyConstraint)
    }
