"""Write a PostgreSQL identity change so that it applies: with the identity it changes.

Autogenerate finds a changed, added or removed `Identity(...)` and writes `op.alter_column(...,
server_default=sa.Identity(...))`, but Alembic renders the column's current identity
(`existing_server_default`) only when the default does not change. Without it, Alembic's
PostgreSQL DDL takes every identity change for an addition (`ADD GENERATED ... AS IDENTITY`,
refused: the column "is already an identity column") and a removal for a dropped default
(`DROP DEFAULT`, refused: it "is an identity column"); see sqlalchemy/alembic#730. Given the
current identity, the same call writes `SET START WITH 100` or `DROP IDENTITY`. So an identity
change is marked, and its rendering adds `existing_server_default=` (its reverse, the
downgrade, stays marked: Alembic's `reverse()` keeps the class).
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import render
from alembic.operations import ops


class IdentityAlterColumnOp(ops.AlterColumnOp):
    """An `alter_column` changing a column's identity, rendered with the identity it changes."""


@render.renderers.dispatch_for(IdentityAlterColumnOp)
def render_identity_change(autogen_context: Any, operation: IdentityAlterColumnOp) -> str:
    text = render.renderers.dispatch(ops.AlterColumnOp)(autogen_context, operation)
    existing = operation.existing_server_default
    if operation.modify_server_default is False or not existing:
        return text  # Alembic renders it itself, or there is no identity yet (an addition)
    # Alembic's own rendering of a server default, as it writes the one that changes.
    rendered = render._render_server_default(existing, autogen_context)
    indent = " " * 11
    return f"{text[:-1]},\n{indent}existing_server_default={rendered})"


def mark_identity_changes(upgrade_ops: Any, dialect_name: str) -> None:
    """Mark each PostgreSQL `alter_column` that adds, changes or removes an identity."""
    from sqlalchemy import Identity

    if dialect_name != "postgresql":
        return
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        for operation in table_ops.ops:
            if not isinstance(operation, ops.AlterColumnOp):
                continue
            sides = (operation.modify_server_default, operation.existing_server_default)
            if operation.modify_server_default is not False and any(
                isinstance(side, Identity) for side in sides
            ):
                operation.__class__ = IdentityAlterColumnOp
