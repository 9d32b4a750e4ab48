"""Compare the models with a database the way autogenerate does: what a new revision would hold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection


def model_drift(connection: Connection) -> list[str]:
    """Describe each difference between the models and the database, as autogenerate sees it."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from app.migrations.bookkeeping import include_name
    from app.models import Base

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": include_name}
    )
    return [describe_difference(diff) for diff in compare_metadata(context, Base.metadata)]


def describe_difference(diff: Any) -> str:
    """Render one `compare_metadata` entry as `add_column users.name`-style text."""
    # Column modifications come as a list of tuples, everything else as one tuple.
    if isinstance(diff, list):
        kind, _schema, table, column = diff[0][:4]
        return f"{kind} {table}.{column}"
    kind, subject = diff[0], diff[1]
    if kind in ("add_column", "remove_column"):
        return f"{kind} {diff[2]}.{diff[3].name}"
    name = getattr(subject, "name", None) or getattr(subject, "fullname", "") or str(subject)
    return f"{kind} {name}"
