"""Read a SQLite generated column's expression from its table's CREATE statement, as written.

SQLAlchemy reads it with a regular expression that stops at the first comma after the column's
name: a column whose type has one (`NUMERIC(10, 2)`) comes back with an empty expression, which
a batch rebuild then writes as `GENERATED ALWAYS AS ()` (a syntax error) and autogenerate as
`sa.Computed("")`. Every reflection of a SQLite table here goes through `generated_expressions`:
the batch copy's (a `column_reflect` listener) and the rebuild's own reading.
"""

from __future__ import annotations

from typing import Any

from alembic_steward.catalog._sqlite_statements import TOKEN


def generated_expressions(create_table: str) -> dict[str, str]:
    """Each generated column's expression (original text), by lower-cased column name."""
    found: dict[str, str] = {}
    # Inside the table's parentheses (depth 1): the column a definition names, the word before.
    depth, column, previous, opened = 0, None, None, None
    for match in TOKEN.finditer(create_table):
        kind, token = next(
            ((k, v) for k, v in match.groupdict().items() if v is not None), ("", "")
        )
        if not kind:
            continue  # space or a comment
        token = token if kind == "string" else token.lower()
        if token == "(":
            depth += 1
            if depth == 2 and previous == "as" and column is not None:
                opened = match.end()
        elif token == ")":
            if depth == 2 and opened is not None:
                found[column] = create_table[opened : match.start()].strip()
                opened = None
            depth -= 1
        elif depth == 1 and token == ",":
            column = None
        elif depth == 1 and column is None:
            column = token
        if depth == 1 and token != ")":
            previous = token
    return found


def create_statement(connection: Any, table: str) -> str:
    row = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).first()
    return row[0] if row and row[0] else ""


def fill_generated_expressions(connection: Any, table: str, columns: list[dict[str, Any]]) -> None:
    """Give each reflected column of ``table`` in ``columns`` its generated expression as the
    CREATE statement has it, where SQLAlchemy's reading lost it."""
    generated = [column for column in columns if column.get("computed")]
    if not generated:
        return
    expressions = generated_expressions(create_statement(connection, table))
    for column in generated:
        expression = expressions.get(column["name"].lower())
        if expression:
            column["computed"] = {**column["computed"], "sqltext": expression}


def fill_reflected_expression(inspector: Any, table: Any, column_info: dict[str, Any]) -> None:
    """A `column_reflect` listener: the column's generated expression, on SQLite."""
    from sqlalchemy import Connection

    bind = inspector.bind
    if bind.dialect.name != "sqlite" or not column_info.get("computed") or table.schema:
        return
    if isinstance(bind, Connection):
        fill_generated_expressions(bind, table.name, [column_info])
    else:
        with bind.connect() as connection:
            fill_generated_expressions(connection, table.name, [column_info])


def read_generated_expressions_whole() -> None:
    """Listen on every Table reflection (once per process) to fill what SQLAlchemy lost."""
    from sqlalchemy import Table, event

    if not event.contains(Table, "column_reflect", fill_reflected_expression):
        event.listen(Table, "column_reflect", fill_reflected_expression)
