"""A batch rebuild leaves generated columns out of its copy: the new table computes them.

`op.batch_alter_table` copies the table with `INSERT INTO new (every column) SELECT every
column FROM old`, generated columns included, and the database refuses that (SQLite: "cannot
INSERT into generated column"). Autogenerate's revisions carry such columns through the
rebuild themselves (runtime/_computed_columns.py); a batch written by hand, as the by-hand
advice has it, had no such help. Alembic keeps what each column is copied from in
``ApplyBatchImpl.column_transfers`` (a column the batch adds has no ``expr``, and is not
copied): a generated column is given none either.
"""

from __future__ import annotations

from typing import Any

_PATCHED = "_alembic_steward_leaves_generated_columns"


def batch_copies_leave_generated_columns() -> None:
    """Make every batch rebuild in this process leave generated columns out of its copy."""
    from alembic.operations.batch import ApplyBatchImpl

    if getattr(ApplyBatchImpl, _PATCHED, False):
        return
    original = ApplyBatchImpl.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        # Alembic's private attributes: where a later Alembic names them otherwise, its own
        # copy runs as it is (the database then refuses the generated column, as before).
        transfers = getattr(self, "column_transfers", None)
        table = getattr(self, "table", None)
        if not isinstance(transfers, dict) or table is None:
            return
        for column in table.c:
            transfer = transfers.get(column.name)
            if getattr(column, "computed", None) is not None and isinstance(transfer, dict):
                transfer.pop("expr", None)

    ApplyBatchImpl.__init__ = init
    setattr(ApplyBatchImpl, _PATCHED, True)
