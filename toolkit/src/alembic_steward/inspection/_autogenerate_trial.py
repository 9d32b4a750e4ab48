"""Run what `inv db.revision` would write, on a scratch database, without writing a file.

Autogenerate's operations are rendered to the same Python a revision file would hold and that
code is run with `op` bound to the scratch connection, so a rendering that cannot apply (an
Identity change, an operation SQLite needs in batch mode) fails here as it would in the file.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection


class TrialFailed(Exception):
    """Autogenerate's revision failed on the scratch database; the text is the reason."""


def run_autogenerate(scratch: Connection) -> None:
    """Apply autogenerate's upgrade for ``scratch`` (at head) to ``scratch`` itself.

    Raises TrialFailed, with the database's or Python's one-line reason, when it fails.
    """
    from alembic.autogenerate import produce_migrations, render
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.exc import SQLAlchemyError

    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._autogenerate_review import comparison_options, review_operations
    from alembic_steward.runtime._bookkeeping import include_name
    from alembic_steward.runtime._driver_errors import error_reason

    steward = active_steward()
    metadata = steward.get_metadata()
    sqlite = scratch.dialect.name == "sqlite"
    options = {
        **comparison_options(scratch.dialect.name),
        "include_name": include_name,
        "render_as_batch": sqlite,
        **steward.context_options,
        "include_schemas": any(table.schema for table in metadata.tables.values()),
    }
    context = MigrationContext.configure(scratch, opts=options)
    with warnings.catch_warnings():
        # What autogenerate warns it cannot write shows as a difference left after the trial.
        warnings.simplefilter("ignore")
        script = produce_migrations(context, metadata)
    review_operations(script, scratch.dialect)
    render_options = {
        "sqlalchemy_module_prefix": "sa.",
        "alembic_module_prefix": "op.",
        "user_module_prefix": None,
        "render_as_batch": sqlite,
        "render_item": options.get("render_item"),
    }
    autogen = AutogenContext(context, metadata, opts=render_options)
    code = render._render_cmd_body(script.upgrade_ops, autogen)
    namespace = {"op": Operations(context)}
    try:
        # The lines a revision file starts with, then the imports rendering asked for.
        exec("import sqlalchemy as sa\nfrom alembic import op as _op", namespace)
        for line in sorted(autogen.imports):
            exec(line, namespace)
        if scratch.in_transaction():
            scratch.commit()  # the comparison's reads; MySQL's DDL would end a savepoint
        with scratch.begin():
            exec(compile(code, "<autogenerate>", "exec"), namespace)
    except SQLAlchemyError as error:
        raise TrialFailed(error_reason(error)) from None
    except Exception as error:  # noqa: BLE001 - the rendered code is autogenerate's, not ours
        raise TrialFailed(f"{type(error).__name__}: {error}") from None
