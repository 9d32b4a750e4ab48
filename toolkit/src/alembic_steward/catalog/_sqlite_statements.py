"""Read what SQLite keeps only in a table's CREATE statement: constraint names, CHECK clauses,
collations, generated expressions, foreign key actions.

SQLite's pragmas leave these out, and SQLAlchemy's reflection reads them with regular
expressions that lose an inline constraint's name and a generated column's end; this reads the
statement as SQLite's grammar has it, token by token. Text comes back canonical (lower case
outside string literals, quotes dropped, one spacing), so a batch rebuild that rewrote the
statement in other words describes the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(
    r"""\s+|--[^\n]*|/\*.*?\*/
    |(?P<string>'(?:[^']|'')*')
    |"(?P<double>(?:[^"]|"")*)"|`(?P<back>(?:[^`]|``)*)`|\[(?P<square>[^\]]*)\]
    |(?P<word>[\w$.]+)
    |(?P<symbol><>|<=|>=|!=|==|\|\||<<|>>|.)""",
    re.VERBOSE | re.DOTALL,
)
COLUMN_CONSTRAINT_WORDS = {
    "constraint",
    "primary",
    "not",
    "null",
    "unique",
    "check",
    "default",
    "collate",
    "references",
    "generated",
    "as",
}
TABLE_CONSTRAINT_WORDS = {"constraint", "primary", "unique", "check", "foreign"}


@dataclass
class ColumnClauses:
    collation: str | None = None
    generated: str | None = None
    autoincrement: bool = False


@dataclass(frozen=True)
class ForeignKeyClause:
    """A FOREIGN KEY or REFERENCES clause; ``referred`` is empty when it names no columns (the
    target's primary key)."""

    name: str | None
    columns: tuple[str, ...]
    target: str
    referred: tuple[str, ...]


@dataclass
class TableClauses:
    """A CREATE TABLE statement's clauses, by kind; constraint names are None when unnamed."""

    columns: dict[str, ColumnClauses] = field(default_factory=dict)
    primary_key: tuple[str | None, str] | None = None
    uniques: list[tuple[str | None, str]] = field(default_factory=list)
    checks: list[tuple[str | None, str]] = field(default_factory=list)
    foreign_keys: list[ForeignKeyClause] = field(default_factory=list)


def tokens(sql: str) -> list[str]:
    """Canonical tokens: identifiers unquoted and lower-cased, string literals kept as written."""
    found = []
    for match in TOKEN.finditer(sql):
        if match.group("string") is not None:
            found.append(match.group("string"))
        else:
            for group in ("double", "back", "square", "word", "symbol"):
                if match.group(group) is not None:
                    found.append(match.group(group).lower())
                    break
    return found


def grouped(items: list[str]) -> list[str | list]:
    """Nest parenthesised runs as lists: ``a ( b , c )`` -> ``['a', ['b', ',', 'c']]``."""
    stack: list[list] = [[]]
    for item in items:
        if item == "(":
            stack.append([])
        elif item == ")" and len(stack) > 1:
            inner = stack.pop()
            stack[-1].append(inner)
        else:
            stack[-1].append(item)
    while len(stack) > 1:  # an unbalanced statement: keep what was read
        inner = stack.pop()
        stack[-1].append(inner)
    return stack[0]


def text(parts: list[str | list]) -> str:
    """One canonical spelling of a token run: no space inside parentheses or before a comma."""
    out = ""
    for part in parts:
        piece = f"({text(part)})" if isinstance(part, list) else part
        # A call's parentheses follow its name: `lower(x)`, as SQLite's own output spells it.
        joined = piece == "," or (isinstance(part, list) and out[-1:].isalnum())
        out += piece if not out or joined else f" {piece}"
    return out


def split_commas(parts: list[str | list]) -> list[list[str | list]]:
    pieces: list[list[str | list]] = [[]]
    for part in parts:
        if part == ",":
            pieces.append([])
        else:
            pieces[-1].append(part)
    return [piece for piece in pieces if piece]


def expression(sql: str) -> str:
    """A default, CHECK or index expression in canonical text."""
    return text(grouped(tokens(sql)))


def table_clauses(create_table: str) -> TableClauses:
    """The clauses of one CREATE TABLE statement (as sqlite_master keeps it)."""
    parts = grouped(tokens(create_table))
    body = next((part for part in parts if isinstance(part, list)), [])
    clauses = TableClauses()
    for definition in split_commas(body):
        first = definition[0]
        if isinstance(first, str) and first in TABLE_CONSTRAINT_WORDS and not is_column(definition):
            table_constraint(definition, clauses)
        else:
            column_definition(definition, clauses)
    return clauses


def is_column(definition: list) -> bool:
    # A column may be named like a keyword ("check"): a constraint's second token tells it apart.
    second = definition[1] if len(definition) > 1 else None
    first = definition[0]
    expected = {
        "constraint": str,
        "primary": "key",
        "unique": list,
        "check": list,
        "foreign": "key",
    }
    want = expected[first]
    if want is str:
        return not isinstance(second, str)
    if want is list:
        return not isinstance(second, list)
    return second != want


def table_constraint(definition: list, clauses: TableClauses) -> None:
    name = None
    if definition[0] == "constraint":
        name, definition = str(definition[1]), definition[2:]
    keyword = definition[0]
    if keyword == "primary":
        clauses.primary_key = (name, text(definition[2:3]))
    elif keyword == "unique":
        clauses.uniques.append((name, text(definition[1:2])))
    elif keyword == "check":
        clauses.checks.append((name, text(definition[1])))
    elif keyword == "foreign":
        clauses.foreign_keys.append(foreign_key(name, definition[2], definition[4:]))


def column_definition(definition: list, clauses: TableClauses) -> None:
    column = str(definition[0])
    found = clauses.columns.setdefault(column, ColumnClauses())
    rest = definition[1:]
    # Skip the type: words and its parenthesised size, up to the first constraint keyword.
    index = 0
    while index < len(rest) and not (
        isinstance(rest[index], str) and rest[index] in COLUMN_CONSTRAINT_WORDS
    ):
        index += 1
    name = None
    while index < len(rest):
        word = rest[index]
        index += 1
        if word == "constraint":
            name = str(rest[index])
            index += 1
            continue
        if word == "primary":
            clauses.primary_key = (name, f"({column})")
        elif word == "unique":
            clauses.uniques.append((name, f"({column})"))
        elif word == "check" and index < len(rest):
            clauses.checks.append((name, text(rest[index])))
            index += 1
        elif word == "collate" and index < len(rest):
            found.collation = str(rest[index])
            index += 1
        elif word == "as" and index < len(rest):
            kind = rest[index + 1] if index + 1 < len(rest) else "virtual"
            stored = "stored" if kind == "stored" else "virtual"
            found.generated = f"{text(rest[index])} {stored}"
            index += 1
        elif word == "autoincrement":
            found.autoincrement = True
        elif word == "references":
            end = references_end(rest, index)
            clauses.foreign_keys.append(foreign_key(name, [column], rest[index:end]))
            index = end
        else:
            continue  # NOT, NULL, DEFAULT's value (pragma reads defaults), conflict clauses
        name = None


def foreign_key(name: str | None, columns: list, target: list) -> ForeignKeyClause:
    """``columns`` and what follows REFERENCES (``target [(columns)] [actions]``)."""
    referred = target[1] if len(target) > 1 and isinstance(target[1], list) else []
    return ForeignKeyClause(
        name,
        tuple(str(part) for part in columns if part != ","),
        str(target[0]) if target else "",
        tuple(str(part) for part in referred if part != ","),
    )


def references_end(rest: list, index: int) -> int:
    """Where a column's REFERENCES clause ends: at the next constraint, not at the words of its
    own actions (`ON DELETE SET NULL`, `SET DEFAULT`, `NOT DEFERRABLE`)."""
    while index < len(rest):
        word, before = rest[index], rest[index - 1]
        after = rest[index + 1] if index + 1 < len(rest) else None
        if isinstance(word, str) and word in COLUMN_CONSTRAINT_WORDS:
            own_action = before == "set" or (word == "not" and after == "deferrable")
            if not own_action and word != "null":
                return index
        index += 1
    return index
