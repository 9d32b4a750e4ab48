"""A revision file's upgrade() and downgrade(), found in its syntax tree, never run.

Every reading of what a revision's functions say (the checksum without downgrade(), the names
an edited upgrade() builds, the backfills it requires, the IrreversibleMigration its
downgrade() declares) finds them here, the way Alembic's call finds them: the module's
top-level function of that name, the last one when two are written, as Python keeps it.
Standard library only, like _checksum_format.py, which uses it.
"""

from __future__ import annotations

import ast

MigrationFunction = ast.FunctionDef | ast.AsyncFunctionDef


def defines(node: ast.stmt, name: str) -> bool:
    """Whether the top-level statement ``node`` defines the function ``name``."""
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name


def migration_function(tree: ast.Module, name: str) -> MigrationFunction | None:
    """The function ``name`` (`upgrade`, `downgrade`) that the module ``tree`` leaves defined."""
    found = None
    for node in tree.body:
        if defines(node, name):
            found = node
    return found
