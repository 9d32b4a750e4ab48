"""Run what `inv db.revision` would write, on a scratch database, without writing a file.

Autogenerate's operations are rendered to the same Python a revision file would hold and that
code is run with `op` bound to the scratch connection, so a rendering that cannot apply (an
Identity change, an operation SQLite needs in batch mode) fails here as it would in the file.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from alembic_steward.runtime._equal_objects import Agreement


def run_autogenerate(
    scratch: Connection, agreed: Agreement | None = None
) -> list[tuple[str, tuple[str | None, str]]]:
    """Apply autogenerate's upgrade for ``scratch`` (at head) to ``scratch`` itself, operation
    by operation; return, for each operation that failed, one line with the database's reason
    and the (schema, table) it writes to. ``agreed``: what the catalogs agree on, whose
    operations are left out."""
    from alembic.autogenerate import produce_migrations, render
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations import Operations
    from alembic.operations.ops import UpgradeOps
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import active_steward
    from alembic_steward.inspection._scratch_database import quiet_alembic
    from alembic_steward.runtime._autogenerate_review import comparison_options, review_operations
    from alembic_steward.runtime._bookkeeping import include_name
    from alembic_steward.runtime._computed_columns import keep_generated_columns_through_rebuilds
    from alembic_steward.runtime._driver_errors import error_reason
    from alembic_steward.runtime._rebuilt_indexes import restore_rebuilt_indexes

    steward = active_steward()
    metadata = steward.get_metadata()
    sqlite = scratch.dialect.name == "sqlite"
    options = {
        **comparison_options(scratch.dialect.name),
        "include_name": include_name,
        "render_as_batch": sqlite,
        # As env.py passes it: the operations name what they create by its naming convention.
        "target_metadata": metadata,
        **steward.context_options,
    }
    context = MigrationContext.configure(scratch, opts=options)
    with warnings.catch_warnings(), quiet_alembic():
        # What autogenerate warns it cannot write shows as a difference left after the trial.
        warnings.simplefilter("ignore")
        script = produce_migrations(context, metadata)
    review_operations(script, scratch.dialect, agreed, context=context)
    restore_rebuilt_indexes(script, scratch.dialect.name, metadata, agreed)
    keep_generated_columns_through_rebuilds(script, context, metadata)
    render_options = {
        "sqlalchemy_module_prefix": "sa.",
        "alembic_module_prefix": "op.",
        "user_module_prefix": None,
        "render_as_batch": sqlite,
        "render_item": options.get("render_item"),
    }
    failures = []
    for operation in script.upgrade_ops.ops:
        # One operation at a time: one that fails (a table whose sequence nobody creates) must
        # not hide what the others write.
        autogen = AutogenContext(context, metadata, opts=render_options)
        code = render._render_cmd_body(UpgradeOps([operation]), autogen)
        table = (getattr(operation, "schema", None), getattr(operation, "table_name", ""))
        if table[1] and table in (failed for _line, failed in failures):
            # What follows a failed create_table on its table (its indexes) fails for the same
            # cause: one line says it.
            continue
        try:
            run_rendered(scratch, code, autogen.imports, Operations(context))
        except SQLAlchemyError as error:
            # The database refuses what autogenerate wrote: the user's to write otherwise. Any
            # other error is the toolkit's or Alembic's, never advice: it propagates as such.
            reason = error_reason(error)
            failures.append((f"{operation_name(operation)} fails ({reason})", table))
    return failures


def run_rendered(scratch: Connection, code: str, imports: set[str], operations: Any) -> None:
    """Run rendered revision code with ``op`` bound to ``operations``, in one transaction."""
    namespace: dict[str, Any] = {"op": operations}
    # The lines a revision file starts with, then the imports rendering asked for.
    exec("import sqlalchemy as sa", namespace)
    for line in sorted(imports):
        exec(line, namespace)
    if scratch.in_transaction():
        scratch.commit()  # the comparison's reads; MySQL's DDL would end a savepoint
    with scratch.begin():
        exec(compile(code, "<autogenerate>", "exec"), namespace)


def operation_name(operation: Any) -> str:
    """`autogenerate's create_table tickets`, `what autogenerate writes for table items`: the
    subject of a line saying a revision's operation fails, in the words of its `op.` call."""
    name = getattr(operation, "table_name", None) or getattr(operation, "name", "")
    if getattr(operation, "schema", None):
        name = f"{operation.schema}.{name}"
    from alembic.operations.ops import ModifyTableOps

    if isinstance(operation, ModifyTableOps):  # changes to one table (a subclass of ours too)
        return f"what autogenerate writes for table {name}"
    kind = type(operation).__name__.removesuffix("Op")
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in kind).strip()
    return f"autogenerate's {words.replace(' ', '_')} {name}".rstrip()
