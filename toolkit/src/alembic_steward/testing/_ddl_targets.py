"""Name the tables, views, sequences and types that a migration step's SQL statements can change.

The stairway describes again only what a step may have changed, so that a step costs the same
whatever the schema's size. A statement is attributed only when its form is known to change
nothing but the objects it names: CREATE / ALTER / DROP of a table, index, view, sequence or
type, without CASCADE. Anything else that is not a plain query or data change (a DO block, a
procedure, CASCADE, a table or type renamed, a function called from a PostgreSQL SELECT, which
could hide DDL) makes the answer None: "anything may have changed; describe everything".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

NAME = r'(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[\w$]+)'
QUALIFIED = rf"((?:{NAME}\.)?{NAME})"
OPTIONAL = r"(?:(?:IF\s+(?:NOT\s+)?EXISTS|ONLY|CONCURRENTLY|TEMP|TEMPORARY|UNLOGGED)\s+)*"

# Statements that read or change rows only (our bookkeeping's too): they change no schema.
DATA_ONLY = re.compile(
    r"(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES|SHOW|SET|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE"
    r"|LOCK|TRUNCATE|EXPLAIN|PRAGMA|ANALYZE|START\s+TRANSACTION|XA)\b"
)
TABLE_STATEMENT = re.compile(
    rf"(?:CREATE|ALTER|DROP)\s+(?:(?:OR\s+REPLACE|MATERIALIZED)\s+)*"
    rf"(TABLE|VIEW|SEQUENCE)\s+{OPTIONAL}{QUALIFIED}"
)
CREATE_INDEX = re.compile(
    rf"CREATE\s+(?:UNIQUE\s+)?INDEX\s+{OPTIONAL}(?:{QUALIFIED}\s+)?ON\s+{OPTIONAL}{QUALIFIED}"
)
INDEX_BY_NAME = re.compile(
    rf"(?:DROP|ALTER)\s+INDEX\s+{OPTIONAL}{QUALIFIED}(?:\s+ON\s+{QUALIFIED})?"
)
TYPE_STATEMENT = re.compile(rf"(?:CREATE|DROP|ALTER)\s+TYPE\s+{OPTIONAL}{QUALIFIED}")
RENAME_TABLE = re.compile(r"RENAME\s+TABLES?\s")
# PostgreSQL's comments are the catalog's facts of the table (or view, sequence, type) they name.
COMMENT_ON_OWNER = re.compile(
    rf"COMMENT\s+ON\s+(?:TABLE|(?:MATERIALIZED\s+)?VIEW|SEQUENCE|TYPE|FOREIGN\s+TABLE)\s+{QUALIFIED}"
)
COMMENT_ON_COLUMN = re.compile(rf"COMMENT\s+ON\s+COLUMN\s+((?:{NAME}\.)?{NAME})\.{NAME}\s")
COMMENT_ON_CONSTRAINT = re.compile(rf"COMMENT\s+ON\s+CONSTRAINT\s+{NAME}\s+ON\s+{QUALIFIED}")
KEYWORDS = {"TO", "AS", "COLUMN", "INDEX", "KEY", "CONSTRAINT", "RESTRICT", "IF", "EXISTS"}
# Calls a PostgreSQL SELECT may make without changing the schema: the catalog's, the lock's.
KNOWN_CALL = re.compile(
    r"(pg_catalog\.\w+|pg_\w+|current_schema|current_database|version|count|max|min|coalesce"
    r"|array_agg|string_agg|format_type|lower|upper|cast|any|exists|in|values|unnest|concat)$",
    re.IGNORECASE,
)
CALL = re.compile(r"([\w.]+)\s*\(")
COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def unquote(name: str, dialect: str) -> str:
    """The stored name: the last part of a qualified name, unquoted (PostgreSQL folds case)."""
    last = re.findall(NAME, name)[-1]
    if last[0] in '"`[':
        return last[1:-1]
    return last.lower() if dialect == "postgresql" else last


def changed_by(
    statements: Iterable[str], dialect: str, index_table: Callable[[str], str | None]
) -> set[str] | None:
    """The names of the tables, views, sequences and types ``statements`` may change (the
    catalog's owners), or None for all.

    ``index_table`` names the table of an index that existed before the statements ran, so
    that a DROP INDEX naming only the index can be attributed.
    """
    changed: set[str] = set()
    created_indexes: dict[str, str] = {}
    for statement in statements:
        text = " ".join(COMMENTS.sub(" ", statement).split())
        upper = text.upper()
        if DATA_ONLY.match(upper):
            if dialect == "postgresql" and upper.startswith("SELECT") and calls_unknown(text):
                return None
            continue
        # A renamed type or enum value shows in the columns and defaults that use it.
        renames_a_type = upper.startswith("ALTER TYPE") and " RENAME " in upper
        if "CASCADE" in upper or ";" in text.rstrip(";") or renames_a_type:
            return None
        if RENAME_TABLE.match(upper):
            changed |= names_in(text[match_end(RENAME_TABLE, upper) :], dialect)
        elif match := TABLE_STATEMENT.match(upper):
            changed.add(unquote(text[match.start(2) : match.end(2)], dialect))
            if upper.startswith("DROP"):  # DROP TABLE a, b
                changed |= names_in(text[match.start(2) :], dialect)
            elif " RENAME " in upper:  # the new name (a superset: a column's names too)
                changed |= names_in(text[upper.rindex(" RENAME ") + 8 :], dialect)
        elif match := CREATE_INDEX.match(upper):
            table = unquote(text[match.start(2) : match.end(2)], dialect)
            if match.group(1):
                created_indexes[unquote(text[match.start(1) : match.end(1)], dialect)] = table
            changed.add(table)
        elif match := INDEX_BY_NAME.match(upper):
            on = match.group(2) and unquote(text[match.start(2) : match.end(2)], dialect)
            index = unquote(text[match.start(1) : match.end(1)], dialect)
            table = on or created_indexes.get(index) or index_table(index)
            if table is None:
                return None
            changed.add(table)
        elif match := (
            TYPE_STATEMENT.match(upper)
            or COMMENT_ON_OWNER.match(upper)
            or COMMENT_ON_COLUMN.match(upper)
            or COMMENT_ON_CONSTRAINT.match(upper)
        ):
            changed.add(unquote(text[match.start(1) : match.end(1)], dialect))
        else:
            return None
    return changed


# Row changes whose one target is named after the verb; other forms may write elsewhere too.
ROWS_OF_ONE_TABLE = re.compile(
    rf"(?:INSERT\s+(?:IGNORE\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)"
    rf"\s+{OPTIONAL}{QUALIFIED}(?P<rest>.*)"
)
WRITES_ROWS = re.compile(r"(INSERT|UPDATE|DELETE|REPLACE|TRUNCATE|MERGE|WITH|COPY|LOAD)\b")
TO_MORE_TABLES = re.compile(r"\b(JOIN|USING)\b|^\s*,")


def rows_written_by(
    statements: Iterable[str], dialect: str, index_table: Callable[[str], str | None]
) -> set[str] | None:
    """The tables whose rows ``statements`` may change, or None for "any table".

    A schema change counts (a column's type changed rewrites its values), and so does every
    INSERT, UPDATE, DELETE or TRUNCATE naming one table; a form that may reach further (a join,
    a CTE, MERGE, a function called from a PostgreSQL SELECT) means any table.
    """
    written: set[str] = set()
    schema_statements = []
    for statement in statements:
        text = " ".join(COMMENTS.sub(" ", statement).split())
        upper = text.upper()
        if match := ROWS_OF_ONE_TABLE.match(upper):
            if TO_MORE_TABLES.search(match.group("rest").split(" SET ")[0]):
                return None
            written.add(unquote(text[match.start(1) : match.end(1)], dialect))
        elif WRITES_ROWS.match(upper):
            return None
        else:
            schema_statements.append(statement)
    changed = changed_by(schema_statements, dialect, index_table)
    return None if changed is None else written | changed


def match_end(pattern: re.Pattern, text: str) -> int:
    match = pattern.match(text)
    return match.end() if match else 0


def names_in(text: str, dialect: str) -> set[str]:
    """Every identifier in ``text`` that is not a keyword of a rename or drop list."""
    tokens = re.findall(QUALIFIED, re.sub(r"'[^']*'", "", text))
    return {unquote(token, dialect) for token in tokens if token.upper() not in KEYWORDS}


def calls_unknown(select: str) -> bool:
    """Whether a PostgreSQL SELECT calls a function that could itself change the schema."""
    without_strings = re.sub(r"'[^']*'", "''", select)
    return any(not KNOWN_CALL.match(name) for name in CALL.findall(without_strings))
