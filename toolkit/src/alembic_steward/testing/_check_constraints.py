"""CHECK constraints as the sample rows meet them: read from a table's text, tried on the database.

A CHECK is read from the database's own text of the table (PostgreSQL's pg_get_constraintdef,
MySQL's SHOW CREATE TABLE, SQLite's CREATE statement), column-level ones included: MariaDB
keeps a JSON column's `json_valid` check on the column's line, where SQLAlchemy's inspector
does not look. Whether a value passes is asked of the database itself, with the candidate
values in a derived table, so any expression the database understands is judged as it will be
on insert; the literals an expression holds suggest the values to try.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, cast, literal, literal_column, select
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.types import TypeEngine

STRING_LITERAL = re.compile(r"'((?:[^']|'')*)'")
NUMBER_LITERAL = re.compile(r"(?<![\w$.])-?\d+(?:\.\d+)?(?![\w$])")
JSON_VALID = re.compile(r"\bjson_valid\s*\(\s*[`\"\[]?(\w+)[`\"\]]?\s*\)", re.IGNORECASE)


@dataclass(frozen=True)
class Check:
    """One CHECK expression of a table, as the database prints it."""

    expression: str

    def columns(self, names: Iterable[str]) -> list[str]:
        """Which of ``names`` the expression mentions (outside its string literals)."""
        bare = STRING_LITERAL.sub("''", self.expression)
        return [name for name in names if mentions(bare, name)]

    def strings(self) -> list[str]:
        return [found.replace("''", "'") for found in STRING_LITERAL.findall(self.expression)]

    def numbers(self) -> list[str]:
        return NUMBER_LITERAL.findall(STRING_LITERAL.sub("''", self.expression))

    def json_columns(self) -> set[str]:
        """The columns the expression requires to hold JSON text (MariaDB's JSON columns)."""
        return {name.lower() for name in JSON_VALID.findall(self.expression)}


def mentions(expression: str, name: str) -> bool:
    quoted = rf"(?<![\w$])[`\"\[]?{re.escape(name)}[`\"\]]?(?![\w$])"
    return re.search(quoted, expression, re.IGNORECASE) is not None


def checks_in(texts: Iterable[str]) -> list[Check]:
    """Every ``CHECK (...)`` expression in ``texts``, table-level and column-level alike."""
    found = []
    for source in texts:
        for match in re.finditer(r"\bCHECK\s*\(", source, re.IGNORECASE):
            inner = balanced(source, match.end() - 1)
            if inner is not None:
                found.append(Check(inner))
    return found


def balanced(source: str, opening: int) -> str | None:
    """The text inside the parenthesis at ``opening`` and its match, quotes respected."""
    depth, quote = 0, ""
    for index in range(opening, len(source)):
        character = source[index]
        if quote:
            quote = "" if character == quote else quote
        elif character in "'\"`":
            quote = character
        elif character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
            if depth == 0:
                return source[opening + 1 : index]
    return None


def passes(
    connection: Connection, check: Check, values: Mapping[str, Any], types: Mapping[str, TypeEngine]
) -> bool | None:
    """Whether a row holding ``values`` passes ``check``, as the database judges it.

    None when the database cannot judge it apart from the table (a subquery, a function of
    the row it lacks): the insert itself will tell. NULL passes a CHECK, as in SQL.
    """
    typed = [as_column(connection, name, values[name], types[name]) for name in values]
    candidate = select(*typed).subquery("candidate")
    expression = check.expression
    verdict = literal_column(f"CASE WHEN ({expression}) THEN 1 WHEN NOT ({expression}) THEN 0 END")
    try:
        with connection.begin_nested():
            # Uncached: the statement cache keys a type by its SQL, not by its Python side.
            query = select(verdict).select_from(candidate)
            result = connection.execute(query, execution_options={"compiled_cache": None}).scalar()
    except (DBAPIError, StatementError):
        return None
    return result != 0


def as_column(connection: Connection, name: str, value: Any, column_type: TypeEngine):
    bound = literal(value, column_type)
    # PostgreSQL types a bare parameter only from its context, which a derived table lacks.
    typed = cast(bound, column_type) if connection.dialect.name == "postgresql" else bound
    return typed.label(name)
