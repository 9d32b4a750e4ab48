"""Read a PostgreSQL column default calling a sequence of another schema as the server has it.

PostgreSQL shows `nextval('order_no_seq'::regclass)` for a sequence its search_path finds;
SQLAlchemy's reflection then names it in the table's own schema (`"billing".order_no_seq`)
whether it is there or not. Autogenerate casts that name to regclass (to tell a SERIAL's own
sequence) and compares defaults by selecting them, so a table in `billing` whose column takes
its values from `public.order_no_seq` made every comparison fail with UndefinedTable
(sqlalchemy/alembic#1479 is the same misreading of a table outside the search_path). A
`column_reflect` listener gives such a default its unqualified name back before anyone reads it.
"""

from __future__ import annotations

import re
from typing import Any


def misread_sequence(schema: str, default: str) -> re.Match[str] | None:
    """The sequence name SQLAlchemy put in ``schema`` inside ``default``, if it did."""
    return re.search(r"nextval\('" + re.escape(f'"{schema}".') + r"([^'.]+)'", default)


def unqualify_misread_sequence(inspector: Any, table: Any, column_info: dict[str, Any]) -> None:
    """A `column_reflect` listener: on PostgreSQL, a default's sequence named in the table's
    schema where it is not, and found unqualified, is named unqualified, as the server has it."""
    from sqlalchemy import Connection, text

    default = column_info.get("default")
    bind = inspector.bind
    if not default or table.schema is None or bind.dialect.name != "postgresql":
        return
    match = misread_sequence(table.schema, default)
    if match is None:
        return
    named = text(
        "SELECT to_regclass(:qualified) IS NULL AND to_regclass(:unqualified) IS NOT NULL"
    ).bindparams(qualified=f'"{table.schema}".{match.group(1)}', unqualified=match.group(1))
    if isinstance(bind, Connection):
        misread = bind.scalar(named)
    else:
        with bind.connect() as connection:
            misread = connection.scalar(named)
    if misread:
        column_info["default"] = default[: match.start()] + "nextval('" + default[match.start(1) :]


def read_sequence_defaults_as_the_server_has_them() -> None:
    """Listen on every Table reflection (once per process) to name sequences where they are."""
    from sqlalchemy import Table, event

    if not event.contains(Table, "column_reflect", unqualify_misread_sequence):
        event.listen(Table, "column_reflect", unqualify_misread_sequence)
