"""Silence SQLAlchemy's warning that SQLite's reflection skips an expression index.

Autogenerate reflects the database, and SQLAlchemy cannot reflect an index on an expression
(`Index("ix_orders_lower_email", func.lower(Order.email))`) from SQLite, so it warns on every
comparison. The toolkit's catalog (catalog/_sqlite.py) reads such indexes itself and reports
a missing or changed one, so the warning tells the user nothing to act on. Only that warning is
silenced: any other stays visible.
"""

from __future__ import annotations

import warnings

SKIPPED_EXPRESSION_INDEX = r"Skipped unsupported reflection of expression-based index "


def ignore_skipped_expression_indexes() -> None:
    """Ignore the warning inside the caller's `warnings.catch_warnings()` block."""
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", message=SKIPPED_EXPRESSION_INDEX, category=SAWarning)
